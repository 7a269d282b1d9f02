"""Linked data: every /id/ IRI dereferences; HTML or RDF by Accept (q-values) and by suffix; Vary, Link,
Content-Location; 404 and 406 in the negotiated shape; no path from a request reaches the file system."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from flask.testing import FlaskClient
from pages_support import store_of

from kg.iris import BASE

BMW = BASE + "id/firm/bmw"
RDFS_LABEL = rdflib.RDFS.label
FORMATS = [  # suffix, media type, rdflib parser
    ("ttl", "text/turtle", "turtle"),
    ("jsonld", "application/ld+json", "json-ld"),
    ("nt", "application/n-triples", "nt"),
    ("rdf", "application/rdf+xml", "xml"),
]


def parse(body: bytes, fmt: str) -> rdflib.Graph:
    return rdflib.Graph().parse(data=body, format=fmt, publicID=BASE)


@pytest.mark.parametrize(("suffix", "media_type", "parser"), FORMATS)
def test_rdf_by_accept(client: FlaskClient, suffix: str, media_type: str, parser: str) -> None:
    response = client.get("/id/firm/bmw", headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    assert response.headers["Content-Location"] == f"/id/firm/bmw.{suffix}"
    graph = parse(response.data, parser)
    assert (rdflib.URIRef(BMW), RDFS_LABEL, None) in graph


@pytest.mark.parametrize(("suffix", "media_type", "parser"), FORMATS)
def test_rdf_by_suffix(client: FlaskClient, suffix: str, media_type: str, parser: str) -> None:
    response = client.get(f"/id/firm/bmw.{suffix}", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert response.mimetype == media_type
    graph = parse(response.data, parser)
    assert (rdflib.URIRef(BMW), rdflib.RDF.type, rdflib.URIRef(BASE + "ontology#Firm")) in graph


def test_html_for_browsers_and_by_suffix(corpus_client: FlaskClient) -> None:
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    for path, accept in (("/id/firm/bmw", browser), ("/id/firm/bmw.html", "text/turtle")):
        response = corpus_client.get(path, headers={"Accept": accept})
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        assert "BMW Group" in response.text


def test_q_values_decide(client: FlaskClient) -> None:
    accept = "text/html;q=0.2, text/turtle;q=0.5, application/ld+json;q=0.9"
    assert client.get("/id/firm/bmw", headers={"Accept": accept}).mimetype == "application/ld+json"
    accept = "application/ld+json;q=0, */*;q=0.1, application/n-triples"
    assert client.get("/id/firm/bmw", headers={"Accept": accept}).mimetype == "application/n-triples"


def test_link_header_names_every_alternate(client: FlaskClient) -> None:
    response = client.get("/id/firm/bmw", headers={"Accept": "text/html"})
    link = response.headers["Link"]
    for suffix, media_type, _ in FORMATS:
        assert f'</id/firm/bmw.{suffix}>; rel="alternate"; type="{media_type}"' in link
    turtle = client.get("/id/firm/bmw", headers={"Accept": "text/turtle"}).headers["Link"]
    assert '</id/firm/bmw.html>; rel="alternate"; type="text/html"' in turtle


def test_unknown_iri_is_404_in_the_negotiated_shape(client: FlaskClient) -> None:
    html = client.get("/id/firm/no-such-firm", headers={"Accept": "text/html"})
    assert html.status_code == 404 and html.mimetype == "text/html"
    assert "no-such-firm" in html.text
    rdf = client.get("/id/firm/no-such-firm", headers={"Accept": "text/turtle"})
    assert rdf.status_code == 404 and rdf.mimetype != "text/html"
    assert client.get("/id/firm/no-such-firm.ttl").status_code == 404
    assert client.get("/id/firm/bmw.exe").status_code == 404
    assert client.get("/graph/no-such-graph").status_code == 404


def test_unacceptable_is_406(client: FlaskClient) -> None:
    response = client.get("/id/firm/bmw", headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]


@pytest.mark.parametrize("path", [
    "/id/document/..%2F..%2Fpyproject.toml", "/id/document/../../pyproject.toml", "/id/..%2F..%2Fpyproject",
    "/id/document/%2e%2e", "/id/firm/bmw%00", "/graph/..%2Fregistry",
])
def test_traversal_is_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"[project]" not in response.data


def test_deal_rdf_carries_evidence_and_labels_of_linked_resources(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    deal = next(q.subject for q in store.quads_for_pattern(None, ox.NamedNode(BASE + "ontology#evidence"), None)
                if q.subject.value.startswith(BASE + "id/deal/"))
    path = deal.value[len(BASE) - 1:]
    graph = parse(client.get(path + ".ttl").data, "turtle")
    subject = rdflib.URIRef(deal.value)
    parties = set(graph.objects(subject, rdflib.URIRef(BASE + "ontology#party")))
    assert parties
    assert all(graph.value(p, RDFS_LABEL) is not None for p in parties)
    exact = rdflib.URIRef("http://www.w3.org/ns/oa#exact")
    assert list(graph.triples((None, exact, None)))


def test_named_graph_serves_its_content(client: FlaskClient) -> None:
    graph = parse(client.get("/graph/registry.ttl").data, "turtle")
    assert (rdflib.URIRef(BMW), RDFS_LABEL, None) in graph
    assert client.get("/graph/registry", headers={"Accept": "text/html"}).status_code == 200


def test_head_works(client: FlaskClient) -> None:
    response = client.head("/id/firm/bmw", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and response.mimetype == "text/turtle"


def test_every_resource_iri_dereferences(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    subjects = {q.subject.value for q in store.quads_for_pattern(None, None, None)
                if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE + "id/")}
    assert subjects
    for iri in sorted(subjects):
        path = iri[len(BASE) - 1:]
        html = client.get(path, headers={"Accept": "text/html"})
        assert html.status_code == 200, path
        turtle = client.get(path, headers={"Accept": "text/turtle"})
        assert turtle.status_code == 200, path
        assert (rdflib.URIRef(iri), None, None) in parse(turtle.data, "turtle"), path


def test_json_ld_is_compact_with_the_project_context(client) -> None:  # noqa: ANN001
    import json

    from rdflib import Graph
    from rdflib.compare import isomorphic

    page = client.get("/id/firm/bmw", headers={"Accept": "application/ld+json"})
    doc = json.loads(page.data)
    assert doc["@context"]["aa"] == "https://w3id.org/autoalliance/ontology#"
    node = next(n for n in doc["@graph"] if n["@id"] == "firm:bmw")
    assert "skos:prefLabel" in node
    construct = client.get("/sparql", headers={"Accept": "application/ld+json"}, query_string={
        "query": "CONSTRUCT { ?f ?p ?o } WHERE { VALUES ?f { <https://w3id.org/autoalliance/id/firm/bmw> } ?f ?p ?o }"})
    assert construct.status_code == 200
    assert json.loads(construct.data)["@context"]["firm"] == "https://w3id.org/autoalliance/id/firm/"
    as_turtle = client.get("/id/firm/bmw", headers={"Accept": "text/turtle"}).data
    from_json = Graph().parse(data=page.data, format="json-ld")
    assert len(from_json) > 10 and isomorphic(from_json, Graph().parse(data=as_turtle, format="turtle"))
