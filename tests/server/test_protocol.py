"""The query-side cases of the W3C SPARQL 1.1 Protocol tests (w3c/rdf-tests, sparql/sparql11/protocol/
manifest.ttl), restated for this read-only server: the dataset cases use graphs of the store instead of remote
data, and the update cases must be refused with a 4xx."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlencode

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from kg.iris import AA, FIRM, GRAPH_ONTOLOGY, GRAPH_REGISTRY

REGISTRY, ONTOLOGY = str(GRAPH_REGISTRY), str(GRAPH_ONTOLOGY)
BMW_IS_A_FIRM = f"<{FIRM['bmw']}> a <{AA['Firm']}>"
BMW_IS_A_PARTY = f"?deal <{AA['party']}> <{FIRM['bmw']}>"
RESULT_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
}
GRAPH_TYPES = {"text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"}


def boolean(response: TestResponse) -> bool:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/sparql-results+json"
    return json.loads(response.data)["boolean"]


def url(**params: str | list[str]) -> str:
    return "/sparql?" + urlencode(params, doseq=True)


@pytest.fixture(scope="module")
def doc_graph(app) -> str:  # noqa: ANN001
    """A document graph in which BMW is a party to a deal."""
    query = f"SELECT ?g WHERE {{ GRAPH ?g {{ {BMW_IS_A_PARTY} }} FILTER(CONTAINS(STR(?g), '/graph/doc/')) }} LIMIT 1"
    response = app.test_client().get(url(query=query))
    return json.loads(response.data)["results"]["bindings"][0]["g"]["value"]


# ---------------------------------------------------------------- query_get, query_post_form, query_post_direct


def test_query_get(client: FlaskClient) -> None:
    assert boolean(client.get(url(query="ASK {}", **{"default-graph-uri": REGISTRY}))) is True


def test_query_post_form(client: FlaskClient) -> None:
    response = client.post(
        url(**{"default-graph-uri": REGISTRY}),
        data="query=ASK%20%7B%7D",
        content_type="application/x-www-form-urlencoded",
    )
    assert boolean(response) is True


def test_query_post_direct(client: FlaskClient) -> None:
    assert boolean(client.post("/sparql", data="ASK {}", content_type="application/sparql-query")) is True


def test_trailing_slash_is_the_same_endpoint(client: FlaskClient) -> None:
    assert boolean(client.post("/sparql/", data="ASK {}", content_type="application/sparql-query")) is True


# ---------------------------------------------------------------- datasets


def test_query_dataset_default_graph(client: FlaskClient) -> None:
    ask = f"ASK {{ {BMW_IS_A_FIRM} }}"
    assert boolean(client.get(url(query=ask, **{"default-graph-uri": REGISTRY}))) is True
    assert boolean(client.get(url(query=ask, **{"default-graph-uri": ONTOLOGY}))) is False


def test_query_dataset_default_graphs_get(client: FlaskClient, doc_graph: str) -> None:
    ask = f"ASK {{ {BMW_IS_A_FIRM} . {BMW_IS_A_PARTY} }}"
    assert boolean(client.get(url(query=ask, **{"default-graph-uri": [REGISTRY, doc_graph]}))) is True
    assert boolean(client.get(url(query=ask, **{"default-graph-uri": [REGISTRY]}))) is False


def test_query_dataset_default_graphs_post(client: FlaskClient, doc_graph: str) -> None:
    ask = f"ASK {{ {BMW_IS_A_FIRM} . {BMW_IS_A_PARTY} }}"
    target = url(**{"default-graph-uri": [REGISTRY, doc_graph]})
    assert boolean(client.post(target, data=ask, content_type="application/sparql-query")) is True


def test_query_dataset_named_graphs_post(client: FlaskClient, doc_graph: str) -> None:
    ask = f"ASK {{ GRAPH ?g1 {{ {BMW_IS_A_FIRM} }} GRAPH ?g2 {{ {BMW_IS_A_PARTY} }} }}"
    target = url(**{"named-graph-uri": [REGISTRY, doc_graph]})
    assert boolean(client.post(target, data=ask, content_type="application/sparql-query")) is True
    only_registry = url(**{"named-graph-uri": [REGISTRY]})
    assert boolean(client.post(only_registry, data=ask, content_type="application/sparql-query")) is False


def test_query_dataset_named_graphs_get(client: FlaskClient, doc_graph: str) -> None:
    ask = f"ASK {{ GRAPH ?g1 {{ {BMW_IS_A_FIRM} }} GRAPH ?g2 {{ {BMW_IS_A_PARTY} }} }}"
    assert boolean(client.get(url(query=ask, **{"named-graph-uri": [REGISTRY, doc_graph]}))) is True


def test_named_graphs_only_leave_the_default_graph_empty(client: FlaskClient) -> None:
    ask = f"ASK {{ {BMW_IS_A_FIRM} }}"
    assert boolean(client.get(url(query=ask, **{"named-graph-uri": [REGISTRY]}))) is False


def test_query_dataset_full(client: FlaskClient, doc_graph: str) -> None:
    ask = f"ASK {{ {BMW_IS_A_PARTY} GRAPH ?g {{ {BMW_IS_A_FIRM} }} }}"
    target = url(**{"default-graph-uri": doc_graph, "named-graph-uri": REGISTRY})
    assert boolean(client.post(target, data=ask, content_type="application/sparql-query")) is True
    swapped = url(**{"default-graph-uri": REGISTRY, "named-graph-uri": doc_graph})
    assert boolean(client.post(swapped, data=ask, content_type="application/sparql-query")) is False


def test_query_multiple_dataset_protocol_wins(client: FlaskClient, doc_graph: str) -> None:
    # the query names the ontology as default graph; the protocol's dataset replaces it
    ask = f"ASK FROM <{ONTOLOGY}> {{ GRAPH ?g1 {{ {BMW_IS_A_FIRM} }} GRAPH ?g2 {{ {BMW_IS_A_PARTY} }} }}"
    target = url(**{"named-graph-uri": [REGISTRY, doc_graph]})
    assert boolean(client.post(target, data=ask, content_type="application/sparql-query")) is True


def test_from_in_the_query_replaces_the_union_default_graph(client: FlaskClient) -> None:
    assert boolean(client.get(url(query=f"ASK FROM <{REGISTRY}> {{ {BMW_IS_A_FIRM} }}"))) is True
    assert boolean(client.get(url(query=f"ASK FROM <{ONTOLOGY}> {{ {BMW_IS_A_FIRM} }}"))) is False


def test_default_graph_is_the_union_and_named_graphs_are_reachable(client: FlaskClient, doc_graph: str) -> None:
    assert boolean(client.get(url(query=f"ASK {{ {BMW_IS_A_FIRM} . {BMW_IS_A_PARTY} }}"))) is True
    assert boolean(client.get(url(query=f"ASK {{ GRAPH <{REGISTRY}> {{ {BMW_IS_A_FIRM} }} }}"))) is True


def test_invalid_graph_iri_is_a_400(client: FlaskClient) -> None:
    response = client.get(url(query="ASK {}", **{"default-graph-uri": "not an iri"}))
    assert response.status_code == 400


# ---------------------------------------------------------------- content types


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT (1 AS ?value) {}", RESULT_TYPES),
        ("ASK {}", RESULT_TYPES),
        ("DESCRIBE <http://example.org/>", GRAPH_TYPES),
        ("CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}", GRAPH_TYPES),
    ],
    ids=["select", "ask", "describe", "construct"],
)
def test_query_content_type(client: FlaskClient, query: str, expected: set[str]) -> None:
    response = client.post(url(**{"default-graph-uri": REGISTRY}), data=query, content_type="application/sparql-query")
    assert response.status_code == 200
    assert response.mimetype in expected


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_bad_query_method(client: FlaskClient, method: str) -> None:
    response = client.open(url(query="ASK {}"), method=method, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"] and "POST" in response.headers["Allow"]


def test_bad_multiple_queries(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%20%7B%7D&query=SELECT%20%2A%20%7B%7D")
    assert response.status_code == 400
    assert "one query" in response.get_data(as_text=True)


def test_bad_multiple_queries_url_and_form(client: FlaskClient) -> None:
    response = client.post(
        url(query="ASK {}"), data={"query": "ASK {}"}, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400


def test_bad_query_wrong_media_type(client: FlaskClient) -> None:
    response = client.post("/sparql", data="ASK {}", content_type="text/plain")
    assert response.status_code == 415
    assert "application/sparql-query" in response.get_data(as_text=True)


def test_bad_query_missing_form_type(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"query=ASK%20%7B%7D", headers={"Content-Type": ""})
    assert response.status_code == 415


def test_bad_query_missing_direct_type(client: FlaskClient) -> None:
    response = client.post("/sparql", data=b"ASK {}", headers={"Content-Type": ""})
    assert response.status_code == 415


def test_bad_query_non_utf8(client: FlaskClient) -> None:
    body = "ASK {}".encode("utf-16")
    response = client.post("/sparql", data=body, content_type="application/sparql-query; charset=UTF-16")
    assert 400 <= response.status_code < 500
    undeclared = client.post("/sparql", data=body, content_type="application/sparql-query")
    assert undeclared.status_code == 400


def test_bad_query_syntax_names_the_error(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%20%7B")
    assert response.status_code == 400
    assert "syntax error" in response.get_data(as_text=True)
    assert "1:6" in response.get_data(as_text=True)  # where the parser stopped


def test_undeclared_prefix_is_a_400_in_one_short_line(client: FlaskClient) -> None:
    response = client.get(url(query="SELECT * { ?s a zz:Firm }"))
    assert response.status_code == 400
    assert "undeclared prefix zz: (add `PREFIX zz: <...>`)" in response.text
    assert len(response.text.strip().splitlines()) <= 2


def test_standard_prefixes_are_predeclared(client: FlaskClient) -> None:
    query = "SELECT ?n WHERE { firm:bmw a aa:Firm ; rdfs:label ?n } LIMIT 1"
    response = client.get(url(query=query))
    assert response.status_code == 200, response.text
    assert response.json["results"]["bindings"]  # type: ignore[index]


def test_a_declared_prefix_overrides_the_predeclared_one(client: FlaskClient) -> None:
    query = "PREFIX schema: <http://schema.org/> SELECT ?x WHERE { BIND(schema:name AS ?x) }"
    body = client.get(url(query=query)).json
    assert body["results"]["bindings"][0]["x"]["value"] == "http://schema.org/name"  # type: ignore[index]


def test_missing_query_in_post_is_a_400(client: FlaskClient) -> None:
    response = client.post("/sparql", data={"default-graph-uri": REGISTRY})
    assert response.status_code == 400


def test_empty_query_is_a_400(client: FlaskClient) -> None:
    assert client.get(url(query="  ")).status_code == 400


# ---------------------------------------------------------------- update operations: all refused


UPDATES = [
    "CLEAR ALL",
    f"INSERT DATA {{ GRAPH <{REGISTRY}> {{ <http://example.org/s> <http://example.org/p> 1 }} }}",
    f"PREFIX dc: <http://purl.org/dc/terms/> DELETE WHERE {{ GRAPH <{REGISTRY}> {{ ?s ?p ?o }} }}",
    "LOAD <http://example.org/data.ttl>",
    f"DROP GRAPH <{REGISTRY}>",
    "CREATE GRAPH <http://example.org/g>",
]


@pytest.mark.parametrize("update", UPDATES)
def test_update_post_direct_is_refused(client: FlaskClient, update: str) -> None:
    response = client.post("/sparql", data=update, content_type="application/sparql-update")
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)


@pytest.mark.parametrize("update", UPDATES)
def test_update_post_form_is_refused(client: FlaskClient, update: str) -> None:
    response = client.post("/sparql", data={"update": update})
    assert response.status_code == 403


@pytest.mark.parametrize("update", UPDATES)
def test_update_sent_as_query_is_refused(client: FlaskClient, update: str) -> None:
    assert client.get(url(query=update)).status_code == 403
    assert client.post("/sparql", data=update, content_type="application/sparql-query").status_code == 403


def test_bad_update_get(client: FlaskClient) -> None:
    assert client.get(url(update="CLEAR ALL")).status_code == 403


def test_update_dataset_parameters_are_refused(client: FlaskClient) -> None:
    target = url(**{"using-graph-uri": REGISTRY})
    response = client.post(target, data="CLEAR ALL", content_type="application/sparql-update")
    assert response.status_code == 403


def test_the_predeclared_prefixes_are_published_for_the_query_ui(client: FlaskClient) -> None:
    prefixes = client.get("/sparql/prefixes").json
    assert prefixes["schema"] == "https://schema.org/"  # YASGUI's bundled list says http://schema.org/
    assert prefixes["aa"] == "https://w3id.org/autoalliance/ontology#"
    with client.get("/static/js/query-ui.js") as response:
        script = response.text
    assert "prefixCcApi = prefixesUrl" in script and "/prefixes" in script


def test_every_example_query_answers_on_the_build(client: FlaskClient) -> None:
    """The example queries of the home page and the query UI (server/queries/) run and find something."""
    from server.examples import load_examples

    examples = load_examples(Path(client.application.config["EXAMPLE_QUERIES_DIR"]))
    assert len(examples) >= 15
    for example in examples:
        response = client.post("/sparql", data={"query": example.query})
        assert response.status_code == 200, (example.name, response.text)
