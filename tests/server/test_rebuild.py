"""A build that replaces the store while the server runs: queries and pages see the new build."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import Paths
from kg.store import write_store

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def quads(n: int) -> list[ox.Quad]:
    g = ox.NamedNode("https://w3id.org/autoalliance/graph/registry")
    return [
        ox.Quad(
            ox.NamedNode(f"https://w3id.org/autoalliance/id/firm/f{i}"),
            ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label"),
            ox.Literal(f"Firm {i}"),
            g,
        )
        for i in range(n)
    ]


@pytest.mark.parametrize("workers", [1, 2])
def test_queries_see_the_store_a_build_swapped_in(tmp_path: Path, workers: int, make_app) -> None:  # noqa: ANN001
    write_store(quads(3), Paths(var=tmp_path).store)
    app = make_app(VAR_DIR=str(tmp_path), QUERY_WORKERS=workers, QUERY_TIMEOUT=30)  # cold workers, busy machine
    client = app.test_client()
    first = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"})
    assert first.status_code == 200 and first.text.split() == ["n", "3"]
    assert client.get("/id/firm/f4", headers={"Accept": "text/turtle"}).status_code == 404
    write_store(quads(5), Paths(var=tmp_path).store)
    for _ in range(workers + 1):  # every worker, whichever answers
        again = client.get("/sparql", query_string={"query": COUNT}, headers={"Accept": "text/csv"})
        assert again.status_code == 200 and again.text.split() == ["n", "5"]
    assert client.get("/id/firm/f4", headers={"Accept": "text/turtle"}).status_code == 200
