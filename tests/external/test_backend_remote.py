"""The external-store query backend against Virtuoso and Oxigraph's server, holding the real build.

It answers like the embedded store (the same bytes, through the same writers), within this server's bounds:
rows, bytes and time; ASK is a boolean on both stores; Virtuoso's own graphs stay out of the union.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from store_loading import load_build

from bench.stores import StoreServer
from kg.config import Paths
from kg.iris import GRAPH_REGISTRY
from kg.store import open_store
from server.answers import QueryJob
from server.backend_remote import RemoteBackend, query_form
from server.httperror import HTTPError
from server.sparql import QUERY_PREFIXES
from server.worker import evaluate

CSV, JSON, XML, TSV = (
    "text/csv",
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/tab-separated-values",
)
PREFIX = "PREFIX aa: <https://w3id.org/autoalliance/ontology#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
ORDERED = [
    PREFIX + "SELECT ?firm ?label WHERE { ?firm a aa:Firm ; rdfs:label ?label } ORDER BY ?firm ?label",
    PREFIX + "SELECT ?deal ?status (COUNT(?party) AS ?parties) WHERE { ?deal aa:party ?party ; aa:status ?status }"
    " GROUP BY ?deal ?status ORDER BY ?deal ?status",
    PREFIX + "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    # regression: Virtuoso answered nothing for a constant GRAPH once the backend sent its graph-exclude pragmas
    f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{GRAPH_REGISTRY}> {{ ?s ?p ?o }} }}",
    "PREFIX graph: <https://w3id.org/autoalliance/graph/>\n"
    "SELECT ?s ?label WHERE { GRAPH graph:registry { ?s rdfs:label ?label } } ORDER BY ?s ?label",
    PREFIX + "SELECT ?deal ?on WHERE { ?deal aa:announcedOn ?on } ORDER BY ?deal ?on",
]


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def published(
    request: pytest.FixtureRequest, kg_var: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StoreServer, ox.Store]]:
    """A real store holding exactly the graphs of the real build, and the embedded store of that build."""
    server: StoreServer = request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")
    var = tmp_path_factory.mktemp("backend-var") / "var"
    shutil.copytree(kg_var, var, symlinks=True)
    paths = Paths(var=var)
    load_build(server, var)
    yield server, open_store(paths.store)


def backend(server: StoreServer, timeout: float = 120.0) -> RemoteBackend:  # generous: a shared machine
    return RemoteBackend.from_url(server.url, server.kind, timeout=timeout)


def job(query: str, results_type: str | None = JSON, graph_type: str = "text/turtle", **options: object) -> QueryJob:
    """A job as /sparql makes it: the project's prefixes declared."""
    return QueryJob(query, results_type, graph_type, prefixes=tuple(QUERY_PREFIXES.items()), **options)  # type: ignore[arg-type]


@pytest.mark.parametrize("media", [CSV, JSON, XML, TSV])
@pytest.mark.parametrize("number", range(len(ORDERED)))
def test_answers_are_the_embedded_store_answers(
    published: tuple[StoreServer, ox.Store], number: int, media: str
) -> None:
    server, store = published
    remote = backend(server).execute(job(ORDERED[number], media))
    local = evaluate(store, job(ORDERED[number], media))  # what the embedded workers answer
    assert (remote.kind, remote.truncated, remote.rows) == ("solutions", False, local.rows)
    assert remote.body == local.body


@pytest.fixture
def listener_url() -> str:
    """An address no store must ever be asked to call (SERVICE is refused before anything is sent)."""
    return "http://127.0.0.1:9/sparql"


def test_ask_is_a_boolean(published: tuple[StoreServer, ox.Store]) -> None:
    server, _ = published
    remote = backend(server)
    for query, expected in (
        (PREFIX + "ASK { ?f a aa:Firm }", b'"boolean":true'),
        (PREFIX + "ASK { <urn:x:none> ?p ?o }", b'"boolean":false'),
    ):
        answer = remote.execute(job(query))
        assert answer.kind == "boolean" and expected in answer.body.replace(b" ", b"")
    assert bool(remote.query("ASK { ?s ?p ?o }")) is True


def test_graphs_come_back_whole(published: tuple[StoreServer, ox.Store]) -> None:
    server, store = published
    query = PREFIX + "CONSTRUCT { ?f rdfs:label ?l } WHERE { ?f a aa:Firm ; rdfs:label ?l }"
    triples = backend(server).query(query)
    assert set(triples) == set(store.query(query, use_default_graph_as_union=True))
    answer = backend(server).execute(job(query))
    assert answer.kind == "graph" and answer.rows == len(triples)

    def parsed(body: bytes) -> set[ox.Triple]:  # a graph's triples come in the store's order: compare them as sets
        return {q.triple for q in ox.parse(body, format=ox.RdfFormat.TURTLE)}

    assert parsed(answer.body) == parsed(evaluate(store, job(query)).body) == set(triples)


def test_rows_and_bytes_are_bounded(published: tuple[StoreServer, ox.Store]) -> None:
    server, store = published
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o"
    answer = backend(server).execute(job(query, CSV, max_rows=7))
    assert (answer.rows, answer.truncated) == (7, True)
    assert answer.body.count(b"\r\n") == 8
    limited = backend(server).execute(job(query + " LIMIT 50", CSV, max_rows=7))  # its own LIMIT: read and cut
    assert (limited.rows, limited.truncated) == (7, True) and limited.body == answer.body
    with pytest.raises(HTTPError) as failure:
        backend(server).execute(job("SELECT * WHERE { ?s ?p ?o }", JSON, max_bytes=4000))
    assert failure.value.status == 413
    graph = backend(server).execute(job("CONSTRUCT WHERE { ?s ?p ?o }", None, "application/n-triples", max_rows=5))
    assert (graph.rows, graph.truncated) == (5, True)


def test_the_dataset_of_the_protocol_is_passed_on(published: tuple[StoreServer, ox.Store]) -> None:
    server, store = published
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    only_registry = job(query, CSV, default_graphs=(str(GRAPH_REGISTRY),), named_graphs=(), union_default_graph=False)
    body = backend(server).execute(only_registry).body
    expected = len(list(store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_REGISTRY)))))
    assert body.split(b"\r\n")[1] == str(expected).encode()


def test_a_slow_query_stops_at_the_time_limit(published: tuple[StoreServer, ox.Store]) -> None:
    server, _ = published
    query = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    started = time.monotonic()
    with pytest.raises(HTTPError) as failure:
        backend(server, timeout=1.5).execute(job(query))
    assert failure.value.status == 503 and "time limit" in failure.value.message
    assert time.monotonic() - started < 15
    assert backend(server, timeout=10).execute(job("SELECT * WHERE { ?s ?p ?o } LIMIT 1")).rows == 1


def test_refusals_are_client_errors(published: tuple[StoreServer, ox.Store], listener_url: str) -> None:
    server, _ = published
    for query, status in (
        ("SELECT * WHERE { ?s ?p }", 400),
        ("INSERT DATA { <urn:a> <urn:b> <urn:c> }", 400),
        (f"SELECT * WHERE {{ SERVICE <{listener_url}> {{ ?s ?p ?o }} }}", 400),
    ):
        with pytest.raises(HTTPError) as failure:
            backend(server).execute(job(query))
        assert failure.value.status == status, query
    with pytest.raises(HTTPError) as failure:
        backend(server).execute(job("SELECT * WHERE { ?s ?p ?o }", None))
    assert failure.value.status == 406


def test_an_unreachable_store_is_a_bad_gateway() -> None:
    with pytest.raises(HTTPError) as failure:
        RemoteBackend.from_url("http://127.0.0.1:9", "oxigraph", timeout=2).execute(job("ASK {}"))
    assert failure.value.status == 502


def test_query_forms_after_the_prologue() -> None:
    assert query_form("# c\nPREFIX a: <urn:#x>\nBASE <urn:b>\n select * {}") == "SELECT"
    assert query_form("PREFIX : <urn:x>\nCONSTRUCT WHERE { ?s ?p ?o }") == "CONSTRUCT"
    with pytest.raises(HTTPError):
        query_form("INSERT DATA { <urn:a> <urn:b> <urn:c> }")
