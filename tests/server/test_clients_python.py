"""Python SPARQL clients against a live server process: SPARQLWrapper with every return format that applies to
each query form, and rdflib's SPARQLStore with each result format it asks for.

SPARQLWrapper sends both an ``Accept`` header and ``format``/``output``/``results`` parameters (``rdf+xml``,
``json-ld``, ``n3``...); it warns when the answer's Content-Type is not what it asked for, and the suite turns
warnings into errors, so a test passes only when the server answers each client in the format it expects.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pyoxigraph as ox
import pytest
from pages_support import store_of
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, JSONLD, N3, POST, RDFXML, TSV, TURTLE, XML, SPARQLWrapper

from kg.iris import AA, FIRM, PREFIXES

pytestmark = pytest.mark.live
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name in ("aa", "firm", "rdfs"))
SELECT = PROLOGUE + "SELECT ?firm ?label WHERE { ?firm a aa:Firm ; rdfs:label ?label }"
ASK_TRUE = PROLOGUE + "ASK { firm:bmw a aa:Firm }"
ASK_FALSE = PROLOGUE + "ASK { firm:bmw a aa:Deal }"
CONSTRUCT = PROLOGUE + "CONSTRUCT { ?firm a aa:Firm ; rdfs:label ?label } WHERE { ?firm a aa:Firm ; rdfs:label ?label }"
DESCRIBE = PROLOGUE + "DESCRIBE firm:bmw"
BMW = URIRef(FIRM["bmw"])


@pytest.fixture(scope="module")
def firms(kg_var: Path) -> dict[str, set[str]]:
    """Every firm IRI with its rdfs:labels, read from the store."""
    store = store_of(kg_var)
    found: dict[str, set[str]] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AA["Firm"]))):
        for label in store.quads_for_pattern(q.subject, ox.NamedNode(str(RDFS.label)), None):
            found.setdefault(q.subject.value, set()).add(label.object.value)
    assert found
    return found


def client(live_server: str, query: str, return_format: str, method: str | None = None) -> SPARQLWrapper:
    wrapper = SPARQLWrapper(live_server + "/sparql", returnFormat=return_format)
    wrapper.setQuery(query)
    if method:
        wrapper.setMethod(method)
    return wrapper


def pairs_of(rows: list[dict[str, str]]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row["firm"], set()).add(row["label"])
    return found


# --- SPARQLWrapper: SELECT and ASK ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", [None, POST])
def test_select_json(live_server: str, firms: dict[str, set[str]], method: str | None) -> None:
    result = client(live_server, SELECT, JSON, method).queryAndConvert()
    rows = [{k: v["value"] for k, v in b.items()} for b in result["results"]["bindings"]]  # type: ignore[index]
    assert pairs_of(rows) == firms


@pytest.mark.parametrize("method", [None, POST])
def test_select_xml(live_server: str, firms: dict[str, set[str]], method: str | None) -> None:
    document = client(live_server, SELECT, XML, method).queryAndConvert()
    rows = []
    for result in document.getElementsByTagName("result"):  # type: ignore[union-attr]
        row = {}
        for binding in result.getElementsByTagName("binding"):
            row[binding.getAttribute("name")] = "".join(
                n.data for value in binding.childNodes if value.nodeType == value.ELEMENT_NODE for n in value.childNodes
            )
        rows.append(row)
    assert pairs_of(rows) == firms


def test_select_csv(live_server: str, firms: dict[str, set[str]]) -> None:
    body = client(live_server, SELECT, CSV).queryAndConvert()
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8"))))  # type: ignore[union-attr]
    assert pairs_of(rows) == firms


def test_select_tsv(live_server: str, firms: dict[str, set[str]]) -> None:
    body = client(live_server, SELECT, TSV).queryAndConvert().decode("utf-8")  # type: ignore[union-attr]
    header, *lines = body.rstrip("\n").split("\n")
    assert header.split("\t") == ["?firm", "?label"]
    rows = []
    for line in lines:
        firm, label = line.split("\t")
        assert firm.startswith("<") and firm.endswith(">")
        rows.append({"firm": firm[1:-1], "label": Literal(label[1 : label.rindex('"')]).value})
    assert pairs_of(rows) == {f: labels for f, labels in firms.items()}


@pytest.mark.parametrize("return_format", [JSON, XML])
def test_ask(live_server: str, return_format: str) -> None:
    for query, expected in ((ASK_TRUE, True), (ASK_FALSE, False)):
        result = client(live_server, query, return_format).queryAndConvert()
        if return_format == JSON:
            assert result["boolean"] is expected  # type: ignore[index]
        else:
            value = result.getElementsByTagName("boolean")[0].firstChild.data  # type: ignore[union-attr]
            assert value == str(expected).lower()


@pytest.mark.parametrize("return_format", [CSV, TSV])
def test_ask_as_a_table(live_server: str, return_format: str) -> None:
    """CSV and TSV are defined for solutions only; a boolean comes back as a one-cell table."""
    for query, expected in ((ASK_TRUE, "true"), (ASK_FALSE, "false")):
        body = client(live_server, query, return_format).queryAndConvert().decode("utf-8")  # type: ignore[union-attr]
        assert expected in body.lower()


# --- SPARQLWrapper: CONSTRUCT and DESCRIBE --------------------------------------------------------------------


def graph_from(result: object, return_format: str) -> Graph:
    if isinstance(result, Graph):
        return result
    assert isinstance(result, bytes), type(result)
    return Graph().parse(data=result, format={TURTLE: "turtle", N3: "n3"}[return_format])


@pytest.mark.parametrize("return_format", [TURTLE, N3, XML, RDFXML, JSONLD])
@pytest.mark.parametrize("method", [None, POST])
def test_construct(live_server: str, firms: dict[str, set[str]], return_format: str, method: str | None) -> None:
    graph = graph_from(client(live_server, CONSTRUCT, return_format, method).queryAndConvert(), return_format)
    assert {str(s) for s in graph.subjects(RDF.type, URIRef(AA["Firm"]))} == set(firms)
    assert {str(o) for o in graph.objects(BMW, RDFS.label)} == firms[str(BMW)]


@pytest.mark.parametrize("return_format", [TURTLE, N3, XML, RDFXML, JSONLD])
def test_describe(live_server: str, firms: dict[str, set[str]], return_format: str) -> None:
    graph = graph_from(client(live_server, DESCRIBE, return_format).queryAndConvert(), return_format)
    assert (BMW, RDF.type, URIRef(AA["Firm"])) in graph
    assert {str(o) for o in graph.objects(BMW, RDFS.label)} == firms[str(BMW)]


# --- rdflib's SPARQLStore -------------------------------------------------------------------------------------


@pytest.mark.parametrize("return_format", ["xml", "json", "csv", "tsv"])
def test_sparqlstore_select_and_ask(live_server: str, firms: dict[str, set[str]], return_format: str) -> None:
    graph = Graph(store=SPARQLStore(live_server + "/sparql", returnFormat=return_format))
    found: dict[str, set[str]] = {}
    for row in graph.query(SELECT):
        found.setdefault(str(row[0]), set()).add(str(row[1]))  # type: ignore[index]
    assert found == firms
    if return_format in ("xml", "json"):  # rdflib reads booleans from these formats only
        assert graph.query(ASK_TRUE).askAnswer is True
        assert graph.query(ASK_FALSE).askAnswer is False


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_sparqlstore_graphs_and_triples(live_server: str, firms: dict[str, set[str]], method: str) -> None:
    graph = Graph(store=SPARQLStore(live_server + "/sparql", method=method))
    constructed = graph.query(CONSTRUCT).graph
    assert constructed is not None
    assert {str(s) for s in constructed.subjects(RDF.type, URIRef(AA["Firm"]))} == set(firms)
    described = graph.query(DESCRIBE).graph
    assert described is not None and (BMW, RDF.type, URIRef(AA["Firm"])) in described
    assert {str(o) for o in graph.objects(BMW, RDFS.label)} == firms[str(BMW)]
    assert len(graph) > 100  # COUNT through the endpoint
