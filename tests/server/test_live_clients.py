"""Real SPARQL clients against a live server process: SPARQLWrapper and rdflib's SPARQLStore."""

from __future__ import annotations

import urllib.error

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, TURTLE, XML, SPARQLWrapper

from kg.iris import AA, FIRM, PREFIXES

pytestmark = pytest.mark.live
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name in ("aa", "firm", "rdfs"))


def wrapper(live_server: str, query: str) -> SPARQLWrapper:
    client = SPARQLWrapper(live_server + "/sparql")
    client.setQuery(query)
    return client


def test_sparqlwrapper_select_json(live_server: str) -> None:
    client = wrapper(live_server, PROLOGUE + "SELECT ?firm ?label WHERE { ?firm a aa:Firm ; rdfs:label ?label }")
    client.setReturnFormat(JSON)
    bindings = client.queryAndConvert()["results"]["bindings"]  # type: ignore[index]
    assert str(FIRM["bmw"]) in {b["firm"]["value"] for b in bindings}


def test_sparqlwrapper_select_xml_by_post(live_server: str) -> None:
    client = wrapper(live_server, PROLOGUE + "SELECT ?firm WHERE { ?firm a aa:Firm } LIMIT 3")
    client.setMethod(POST)
    client.setReturnFormat(XML)
    document = client.queryAndConvert()
    assert len(document.getElementsByTagName("result")) == 3  # type: ignore[union-attr]


def test_sparqlwrapper_ask(live_server: str) -> None:
    client = wrapper(live_server, PROLOGUE + "ASK { firm:bmw a aa:Firm }")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_sparqlwrapper_construct_turtle(live_server: str) -> None:
    client = wrapper(live_server, PROLOGUE + "CONSTRUCT { ?firm a aa:Firm } WHERE { ?firm a aa:Firm }")
    client.setReturnFormat(TURTLE)
    body = client.queryAndConvert()
    graph = Graph().parse(data=body, format="turtle")  # type: ignore[arg-type]
    assert (URIRef(FIRM["bmw"]), URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(AA["Firm"])) in graph


def test_sparqlwrapper_syntax_error_is_reported(live_server: str) -> None:
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    client = wrapper(live_server, "SELECT * WHERE { ?s ?p ")
    client.setReturnFormat(JSON)
    with pytest.raises(QueryBadFormed):
        client.queryAndConvert()


def test_rdflib_sparqlstore_select_ask_construct(live_server: str) -> None:
    store = SPARQLStore(live_server + "/sparql")
    graph = Graph(store=store)
    rows = list(graph.query(PROLOGUE + "SELECT ?label WHERE { firm:bmw rdfs:label ?label }"))
    assert rows and all(str(row[0]) for row in rows)  # type: ignore[index]
    assert graph.query(PROLOGUE + "ASK { firm:bmw a aa:Firm }").askAnswer is True
    constructed = graph.query(PROLOGUE + "CONSTRUCT { firm:bmw a aa:Firm } WHERE { firm:bmw a aa:Firm }").graph
    assert constructed is not None and len(constructed) == 1
    assert (URIRef(FIRM["bmw"]), None, None) in graph  # triples() through the store


def test_sparqlwrapper_update_is_refused(live_server: str) -> None:
    client = wrapper(live_server, "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }")
    client.setMethod(POST)  # SPARQLWrapper sends it as `update=`
    with pytest.raises(urllib.error.HTTPError) as refused:
        client.query()
    assert refused.value.code == 403
    refused.value.close()
    check = wrapper(live_server, "ASK { <http://example.org/s> ?p ?o }")
    check.setReturnFormat(JSON)
    assert check.queryAndConvert()["boolean"] is False  # type: ignore[index]
