"""Content negotiation on /sparql: every query form in every format, by Accept, q-values and format=/output=."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from kg.iris import AA, FIRM

SELECT = f"SELECT ?firm ?label WHERE {{ ?firm a <{AA['Firm']}> ; <http://www.w3.org/2000/01/rdf-schema#label> ?label }}"
ASK = f"ASK {{ <{FIRM['bmw']}> a <{AA['Firm']}> }}"
CONSTRUCT = f"CONSTRUCT {{ ?firm a <{AA['Firm']}> }} WHERE {{ ?firm a <{AA['Firm']}> }}"
DESCRIBE = f"DESCRIBE <{FIRM['bmw']}>"

RESULT_FORMATS = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
}
GRAPH_FORMATS = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
}


def get(client: FlaskClient, query: str, accept: str | None = None, **params: str):
    headers = {"Accept": accept} if accept is not None else {}
    return client.get("/sparql?" + urlencode({"query": query, **params}), headers=headers)


def firms_in(body: bytes, media_type: str) -> set[str]:
    """The firm IRIs of a SELECT result in any results format."""
    if media_type == "text/csv":
        return {row["firm"] for row in csv.DictReader(io.StringIO(body.decode()))}
    solutions = ox.parse_query_results(body, format=RESULT_FORMATS[media_type])
    return {solution["firm"].value for solution in solutions}


def graph_in(body: bytes, media_type: str) -> set[ox.Triple]:
    return {quad.triple for quad in ox.parse(body, format=GRAPH_FORMATS[media_type])}


@pytest.fixture(scope="module")
def expected_firms(app) -> set[str]:  # noqa: ANN001
    response = app.test_client().get("/sparql?" + urlencode({"query": SELECT}))
    firms = {b["firm"]["value"] for b in json.loads(response.data)["results"]["bindings"]}
    assert str(FIRM["bmw"]) in firms
    return firms


@pytest.mark.parametrize("media_type", list(RESULT_FORMATS))
def test_select_in_every_results_format(client: FlaskClient, media_type: str, expected_firms: set[str]) -> None:
    response = get(client, SELECT, media_type)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert response.headers["Vary"] == "Accept"
    assert firms_in(response.data, media_type) == expected_firms


@pytest.mark.parametrize("media_type", list(RESULT_FORMATS))
def test_ask_in_every_results_format(client: FlaskClient, media_type: str) -> None:
    response = get(client, ASK, media_type)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert b"true" in response.data
    if media_type in ("application/sparql-results+json", "application/sparql-results+xml"):
        assert bool(ox.parse_query_results(response.data, format=RESULT_FORMATS[media_type])) is True


@pytest.mark.parametrize("query", [CONSTRUCT, DESCRIBE], ids=["construct", "describe"])
@pytest.mark.parametrize("media_type", list(GRAPH_FORMATS))
def test_graphs_in_every_rdf_format(client: FlaskClient, query: str, media_type: str) -> None:
    reference = graph_in(get(client, query, "application/n-triples").data, "application/n-triples")
    assert reference
    response = get(client, query, media_type)
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert graph_in(response.data, media_type) == reference


def test_turtle_uses_the_project_prefixes(client: FlaskClient) -> None:
    body = get(client, CONSTRUCT, "text/turtle").get_data(as_text=True)
    assert "@prefix aa: <https://w3id.org/autoalliance/ontology#>" in body
    assert "aa:Firm" in body


@pytest.mark.parametrize(
    ("query", "expected"),
    [(SELECT, "application/sparql-results+json"), (ASK, "application/sparql-results+json"),
     (CONSTRUCT, "text/turtle"), (DESCRIBE, "text/turtle")],
    ids=["select", "ask", "construct", "describe"],
)  # fmt: skip
@pytest.mark.parametrize("accept", [None, "*/*", ""])
def test_defaults_without_preference(client: FlaskClient, query: str, expected: str, accept: str | None) -> None:
    response = get(client, query, accept)
    assert response.status_code == 200
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("accept", "query", "expected"),
    [
        ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", SELECT, "application/sparql-results+xml"),
        ("application/sparql-results+json;q=0.1, text/tab-separated-values", SELECT, "text/tab-separated-values"),
        ("text/*;q=0.8, application/sparql-results+json;q=0.2", SELECT, "text/csv"),
        ("text/*, text/csv;q=0", SELECT, "text/tab-separated-values"),
        ("application/rdf+xml;q=0.4, application/n-triples;q=0.6, text/turtle;q=0.5", CONSTRUCT,
         "application/n-triples"),
        ("application/*;q=0.9, text/turtle;q=0.1", CONSTRUCT, "application/n-triples"),
        ("text/turtle;q=0.9, application/ld+json", DESCRIBE, "application/ld+json"),
        # one header for both kinds, as generic clients send
        ("application/sparql-results+json, text/turtle;q=0.9", SELECT, "application/sparql-results+json"),
        ("application/sparql-results+json, text/turtle;q=0.9", CONSTRUCT, "text/turtle"),
        # the aliases real clients send
        ("application/json", SELECT, "application/sparql-results+json"),
        ("application/json", CONSTRUCT, "application/ld+json"),
        ("application/xml", ASK, "application/sparql-results+xml"),
        ("application/xml", CONSTRUCT, "application/rdf+xml"),
        ("text/plain", CONSTRUCT, "application/n-triples"),
        ("application/x-turtle", CONSTRUCT, "text/turtle"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", SELECT, "application/sparql-results+xml"),
    ],
)  # fmt: skip
def test_accept_with_q_values(client: FlaskClient, accept: str, query: str, expected: str) -> None:
    response = get(client, query, accept)
    assert response.status_code == 200, response.text
    assert response.mimetype == expected


@pytest.mark.parametrize(
    ("value", "query", "expected"),
    [
        ("json", SELECT, "application/sparql-results+json"),
        ("xml", SELECT, "application/sparql-results+xml"),
        ("csv", SELECT, "text/csv"),
        ("tsv", SELECT, "text/tab-separated-values"),
        ("json", ASK, "application/sparql-results+json"),
        ("application/sparql-results+xml", ASK, "application/sparql-results+xml"),
        ("text/csv", SELECT, "text/csv"),
        ("turtle", CONSTRUCT, "text/turtle"),
        ("ttl", CONSTRUCT, "text/turtle"),
        ("nt", CONSTRUCT, "application/n-triples"),
        ("ntriples", DESCRIBE, "application/n-triples"),
        ("jsonld", CONSTRUCT, "application/ld+json"),
        ("json-ld", CONSTRUCT, "application/ld+json"),
        ("json", CONSTRUCT, "application/ld+json"),
        ("rdfxml", CONSTRUCT, "application/rdf+xml"),
        ("xml", DESCRIBE, "application/rdf+xml"),
        ("text/turtle", CONSTRUCT, "text/turtle"),
        ("application/rdf+xml", CONSTRUCT, "application/rdf+xml"),
        ("JSON", SELECT, "application/sparql-results+json"),
    ],
)
@pytest.mark.parametrize("parameter", ["format", "output"])
def test_format_parameter_wins_over_accept(
    client: FlaskClient, parameter: str, value: str, query: str, expected: str
) -> None:
    response = get(client, query, "image/png", **{parameter: value})
    assert response.status_code == 200, response.text
    assert response.mimetype == expected


def test_format_parameter_in_a_post_form(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"query": SELECT, "format": "csv"})
    assert response.status_code == 200
    assert response.mimetype == "text/csv"


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (SELECT, "text/turtle"),
        (ASK, "application/rdf+xml"),
        (SELECT, "image/png"),
        (SELECT, "application/sparql-results+json;q=0, text/csv;q=0, text/tab-separated-values;q=0, "
                 "application/sparql-results+xml;q=0"),
    ],
)  # fmt: skip
def test_406_when_nothing_acceptable(client: FlaskClient, query: str, accept: str) -> None:
    response = get(client, query, accept)
    assert response.status_code == 406
    assert response.text


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (CONSTRUCT, "text/csv"),
        (DESCRIBE, "application/sparql-results+json"),  # roqet asks for a graph this way
        (CONSTRUCT, "application/sparql-results+xml"),
        (CONSTRUCT, "image/png, text/html"),
        ("BASE <http://example.org/> # comment\nCONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv"),
    ],
)
def test_graphs_default_to_turtle_when_nothing_acceptable(client: FlaskClient, query: str, accept: str) -> None:
    response = get(client, query, accept)
    assert response.status_code == 200
    assert response.mimetype == "text/turtle"
    assert graph_in(response.data, "text/turtle")


def test_406_when_the_format_parameter_does_not_fit_a_result_set(client: FlaskClient) -> None:
    assert get(client, SELECT, None, format="turtle").status_code == 406
    assert get(client, CONSTRUCT, None, format="csv").mimetype == "text/turtle"


@pytest.mark.parametrize(
    ("query", "value", "media_type"),
    [
        (CONSTRUCT, "rdf+xml", "application/rdf+xml"),  # SPARQLWrapper's RDFXML
        (CONSTRUCT, "n3", "text/turtle"),  # SPARQLWrapper's N3
        (CONSTRUCT, "application/x-turtle", "text/turtle"),
        (CONSTRUCT, "text/n3", "text/turtle"),
        (SELECT, "application/sparql-results+json", "application/sparql-results+json"),  # Virtuoso-style
        (SELECT, "text", "text/tab-separated-values"),  # Fuseki's output=text
        (SELECT, "text/html", "application/sparql-results+json"),  # a browser form: Accept decides
    ],
)
def test_format_values_real_clients_send(client: FlaskClient, query: str, value: str, media_type: str) -> None:
    response = get(client, query, None, format=value)
    assert response.status_code == 200, response.text
    assert response.mimetype == media_type


@pytest.mark.parametrize(
    ("query", "accept", "media_type"),
    [
        (SELECT, "application/json", "application/sparql-results+json"),
        (CONSTRUCT, "application/json", "application/ld+json"),
        (CONSTRUCT, "text/n3", "text/turtle"),
        (CONSTRUCT, "application/x-turtle", "text/turtle"),
    ],
)
def test_accept_aliases(client: FlaskClient, query: str, accept: str, media_type: str) -> None:
    assert get(client, query, accept).mimetype == media_type


def test_unknown_format_parameter_is_a_400(client: FlaskClient) -> None:
    response = get(client, SELECT, None, format="yaml")
    assert response.status_code == 400
    assert "yaml" in response.text


def test_text_formats_declare_utf8(client: FlaskClient) -> None:
    assert get(client, SELECT, "text/csv").headers["Content-Type"] == "text/csv; charset=utf-8"
    assert get(client, CONSTRUCT, "text/turtle").headers["Content-Type"] == "text/turtle; charset=utf-8"
