"""GET /sparql without a query: the Service Description for RDF clients, the query UI for browsers."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, XSD

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")


def description(client: FlaskClient, accept: str = "text/turtle", rdflib_format: str = "turtle") -> Graph:
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200, response.text
    assert response.mimetype == accept
    return Graph().parse(data=response.data, format=rdflib_format)


def store_graphs(client: FlaskClient) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    rows = client.get("/sparql", query_string={"query": query}).json["results"]["bindings"]  # type: ignore[index]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_service_description_in_turtle(client: FlaskClient) -> None:
    graph = description(client)
    service = graph.value(predicate=RDF.type, object=SD.Service)
    assert service is not None
    # the public endpoint IRI, never the request's Host header
    assert graph.value(service, SD.endpoint) == URIRef("https://w3id.org/autoalliance/sparql")
    assert (service, SD.supportedLanguage, SD.SPARQL11Query) in graph
    assert (service, SD.feature, SD.UnionDefaultGraph) in graph
    assert (service, SD.feature, SD.BasicFederatedQuery) not in graph
    formats = set(graph.objects(service, SD.resultFormat))
    expected = {"SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML"}  # fmt: skip
    assert formats == {FORMATS[name] for name in expected}


def test_service_description_lists_every_graph_with_its_size(client: FlaskClient) -> None:
    graph = description(client)
    dataset = graph.value(graph.value(predicate=RDF.type, object=SD.Service), SD.defaultDataset)
    default = graph.value(dataset, SD.defaultGraph)
    assert int(graph.value(default, VOID.triples)) > 0  # type: ignore[arg-type]
    named = {
        str(graph.value(node, SD.name)): graph.value(graph.value(node, SD.graph), VOID.triples)
        for node in graph.objects(dataset, SD.namedGraph)
    }
    expected = store_graphs(client)
    assert "https://w3id.org/autoalliance/graph/registry" in named
    assert named == {g: Literal(n, datatype=XSD.integer) for g, n in expected.items()}


@pytest.mark.parametrize(
    ("accept", "rdflib_format"),
    [("application/rdf+xml", "xml"), ("application/n-triples", "nt"), ("application/ld+json", "json-ld")],
)
def test_service_description_in_other_formats(client: FlaskClient, accept: str, rdflib_format: str) -> None:
    graph = description(client, accept, rdflib_format)
    assert graph.value(predicate=RDF.type, object=SD.Service) is not None


def test_service_description_without_accept_is_turtle(client: FlaskClient) -> None:
    response = client.get("/sparql")
    assert response.mimetype == "text/turtle"


def test_service_description_in_turtle_when_nothing_acceptable(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Accept": "image/png"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_service_description_ignores_the_host_header(client: FlaskClient) -> None:
    response = client.get("/sparql", headers={"Host": "evil.example:1", "Accept": "application/n-triples"})
    assert "evil.example" not in response.text
    assert "<https://w3id.org/autoalliance/sparql>" in response.text


def test_service_description_lists_the_predeclared_prefixes(client: FlaskClient) -> None:
    graph = description(client)
    SH = Namespace("http://www.w3.org/ns/shacl#")
    declarations = graph.objects(None, SH.declare)
    declared = {str(graph.value(d, SH.prefix)): str(graph.value(d, SH.namespace)) for d in declarations}
    assert declared["schema"] == "https://schema.org/"
    assert declared["aa"] == "https://w3id.org/autoalliance/ontology#"
    assert {"rdf", "rdfs", "owl", "xsd", "skos", "dcterms", "org", "oa", "prov", "foaf", "wd", "void"} <= set(declared)


def test_browsers_get_the_query_ui(client: FlaskClient) -> None:
    accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert "Vary" in response.headers


def test_minimal_form_when_no_query_ui_is_registered(app, client: FlaskClient) -> None:  # noqa: ANN001
    view = app.view_functions.pop("pages.query_ui", None)
    try:
        response = client.get("/sparql", headers={"Accept": "text/html"})
        assert response.mimetype == "text/html"
        assert b'name="query"' in response.data
    finally:
        if view is not None:
            app.view_functions["pages.query_ui"] = view
