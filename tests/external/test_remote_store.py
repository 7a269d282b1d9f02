"""The store dialect table, credentials in URLs, and the per-graph digests (no server needed)."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from kg.publish import local_graphs, staging_iri
from kg.remote_store import RemoteStore, endpoints_for, split_credentials


def test_each_kind_has_its_endpoints() -> None:
    virtuoso = endpoints_for("virtuoso", "http://h:8890/sparql")
    assert (virtuoso.query, virtuoso.update, virtuoso.graph_store) == (
        "http://h:8890/sparql",
        "http://h:8890/sparql-auth",
        "http://h:8890/sparql-graph-crud-auth",
    )
    assert virtuoso.auth_scheme == "digest" and virtuoso.graph_param == "graph-uri"
    oxigraph = endpoints_for("oxigraph", "http://h:7878/")
    assert (oxigraph.query, oxigraph.update, oxigraph.graph_store) == (
        "http://h:7878/query",
        "http://h:7878/update",
        "http://h:7878/store",
    )
    fuseki = endpoints_for("fuseki", "http://h:3030/kg")
    assert (fuseki.query, fuseki.update, fuseki.graph_store) == (
        "http://h:3030/kg/sparql",
        "http://h:3030/kg/update",
        "http://h:3030/kg/data",
    )
    graphdb = endpoints_for("graphdb", "http://h:7200/repositories/kg")
    assert graphdb.update == "http://h:7200/repositories/kg/statements"
    assert graphdb.graph_store == "http://h:7200/repositories/kg/rdf-graphs/service"
    generic = endpoints_for("generic", "https://neptune:8182/sparql")
    assert (generic.query, generic.update, generic.graph_store) == (
        "https://neptune:8182/sparql",
        "https://neptune:8182/sparql",
        None,
    )
    no_gsp = endpoints_for("fuseki", "http://h:3030/kg", graph_store="")
    assert no_gsp.graph_store is None


def test_store_timeouts_are_in_the_store_units() -> None:
    assert RemoteStore(endpoints_for("virtuoso", "http://h")).query_params(2.5) == {"timeout": "2500"}
    assert RemoteStore(endpoints_for("oxigraph", "http://h")).query_params(2.5) == {"union-default-graph": ""}


def test_bad_kind_or_scheme() -> None:
    with pytest.raises(ValueError, match="unknown store kind"):
        endpoints_for("stardust", "http://h")
    with pytest.raises(ValueError, match="http"):
        endpoints_for("virtuoso", "file:///etc/passwd")


def test_credentials_come_out_of_the_url() -> None:
    assert split_credentials("http://u:p%40ss@h:8890/x?y") == ("http://h:8890/x?y", "u", "p%40ss")
    assert split_credentials("http://h:8890") == ("http://h:8890", None, None)
    url, user, password = split_credentials("https://me@[::1]:443/")
    assert (url, user, password) == ("https://[::1]:443/", "me", None)


def _store(triples: list[tuple[str, str, str]], graph: str = "urn:g") -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(s), ox.NamedNode(p), ox.Literal(o), ox.NamedNode(graph)) for s, p, o in triples)
    return store


def test_graph_digests_follow_content_not_order() -> None:
    a = local_graphs(_store([("urn:s", "urn:p", "1"), ("urn:s", "urn:p", "2")]))
    b = local_graphs(_store([("urn:s", "urn:p", "2"), ("urn:s", "urn:p", "1")]))
    c = local_graphs(_store([("urn:s", "urn:p", "1"), ("urn:s", "urn:p", "3")]))
    assert a["urn:g"].digest == b["urn:g"].digest != c["urn:g"].digest
    assert a["urn:g"].count == 2


def test_the_build_digests_are_used_when_the_manifest_has_them() -> None:
    store = _store([("urn:s", "urn:p", "1")])
    graphs = local_graphs(store, {"graph_digests": {"urn:g": "abc"}})
    assert graphs["urn:g"].digest == "abc" and graphs["urn:g"].count == 1


def test_staging_graphs_are_distinct_per_graph() -> None:
    assert staging_iri("urn:a") != staging_iri("urn:b") and staging_iri("urn:a") == staging_iri("urn:a")
