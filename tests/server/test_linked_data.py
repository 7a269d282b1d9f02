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


@pytest.mark.parametrize(
    "path",
    [
        "/id/document/..%2F..%2Fpyproject.toml",
        "/id/document/../../pyproject.toml",
        "/id/..%2F..%2Fpyproject",
        "/id/document/%2e%2e",
        "/id/firm/bmw%00",
        "/graph/..%2Fregistry",
    ],
)
def test_traversal_is_refused(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert b"[project]" not in response.data


def test_deal_rdf_carries_evidence_and_labels_of_linked_resources(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    deal = next(
        q.subject
        for q in store.quads_for_pattern(None, ox.NamedNode(BASE + "ontology#evidence"), None)
        if q.subject.value.startswith(BASE + "id/deal/")
    )
    path = deal.value[len(BASE) - 1 :]
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
    subjects = {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE + "id/")
    }
    assert subjects
    for iri in sorted(subjects):
        path = iri[len(BASE) - 1 :]
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
    construct = client.get(
        "/sparql",
        headers={"Accept": "application/ld+json"},
        query_string={
            "query": "CONSTRUCT { ?f ?p ?o } "
            "WHERE { VALUES ?f { <https://w3id.org/autoalliance/id/firm/bmw> } ?f ?p ?o }"
        },
    )
    assert construct.status_code == 200
    assert json.loads(construct.data)["@context"]["firm"] == "https://w3id.org/autoalliance/id/firm/"
    as_turtle = client.get("/id/firm/bmw", headers={"Accept": "text/turtle"}).data
    from_json = Graph().parse(data=page.data, format="json-ld")
    assert len(from_json) > 10 and isomorphic(from_json, Graph().parse(data=as_turtle, format="turtle"))


# --- symmetric concise bounded descriptions ----------------------------------------------------------------

AA_NS = BASE + "ontology#"
RDF_TYPE = ox.NamedNode(str(rdflib.RDF.type))
LABELS = (rdflib.RDFS.label, rdflib.SKOS.prefLabel, rdflib.DCTERMS.title)
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")


def as_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> rdflib.term.Node:
    return rdflib.URIRef(term.value) if isinstance(term, ox.NamedNode) else rdflib.Literal(term.value)


def local(iri: str) -> str:
    return iri[len(BASE) - 1 :]


def has_label(graph: rdflib.Graph, node: rdflib.term.Node) -> bool:
    return any(graph.value(node, prop) is not None for prop in LABELS)


def test_firm_rdf_has_every_incoming_link_with_labels(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    bmw = ox.NamedNode(BMW)
    incoming = {q.triple for q in store.quads_for_pattern(None, None, bmw)}
    assert len(incoming) > 20  # its deals, subsidiaries, brands, people, products, partners
    graph = parse(client.get("/id/firm/bmw.ttl").data, "turtle")
    for t in incoming:
        assert (as_rdflib(t.subject), as_rdflib(t.predicate), rdflib.URIRef(BMW)) in graph, t
        assert has_label(graph, as_rdflib(t.subject)), t.subject
    deals = {s for s, _, _ in graph.triples((None, rdflib.URIRef(AA_NS + "party"), rdflib.URIRef(BMW)))}
    assert deals and all((d, rdflib.RDF.type, rdflib.URIRef(AA_NS + "Deal")) in graph for d in deals)


def test_outgoing_links_come_with_labels(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    graph = parse(client.get("/id/firm/bmw.nt").data, "nt")
    for q in store.quads_for_pattern(ox.NamedNode(BMW), None, None):
        assert (rdflib.URIRef(BMW), as_rdflib(q.predicate), as_rdflib(q.object)) in graph, q
        if isinstance(q.object, ox.NamedNode) and q.object.value.startswith(BASE + "id/"):
            assert has_label(graph, as_rdflib(q.object)), q.object


def test_evidence_names_what_it_supports(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    supported = {
        (q.object.value, q.subject.value) for q in store.quads_for_pattern(None, ox.NamedNode(AA_NS + "evidence"), None)
    }
    assert supported
    checked = 0
    for evidence, fact in sorted(supported):
        graph = parse(client.get(local(evidence) + ".ttl").data, "turtle")
        assert (rdflib.URIRef(fact), rdflib.URIRef(AA_NS + "evidence"), rdflib.URIRef(evidence)) in graph
        assert has_label(graph, rdflib.URIRef(fact)), fact
        source = graph.value(rdflib.URIRef(evidence), rdflib.URIRef("http://www.w3.org/ns/oa#hasSource"))
        assert source is not None and graph.value(source, rdflib.DCTERMS.title) is not None
        checked += 1
    assert checked == len(supported)


def test_deal_rdf_carries_its_sources_titles(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    deal = next(
        q.subject
        for q in store.quads_for_pattern(None, ox.NamedNode(AA_NS + "evidence"), None)
        if q.subject.value.startswith(BASE + "id/deal/")
    )
    sources = {
        s.object
        for ev in store.quads_for_pattern(deal, ox.NamedNode(AA_NS + "evidence"), None)
        for s in store.quads_for_pattern(ev.object, ox.NamedNode("http://www.w3.org/ns/oa#hasSource"), None)
    }
    assert sources
    for suffix, _, parser in FORMATS:
        graph = parse(client.get(f"{local(deal.value)}.{suffix}").data, parser)
        for source in sources:
            titles = {str(t) for t in graph.objects(rdflib.URIRef(source.value), rdflib.DCTERMS.title)}
            expected = {
                q.object.value for q in store.quads_for_pattern(source, ox.NamedNode(str(rdflib.DCTERMS.title)), None)
            }
            assert titles == expected and titles, (suffix, source)


def test_rdf_reaches_everything_the_html_page_shows(client: FlaskClient) -> None:
    """Each resource a page links to is in the page's RDF, or in the RDF of a resource named there (a deal's
    other parties and its quotes' sources on a firm page): a tool that follows links finds what a reader sees."""
    import re

    def described(path: str) -> set[str]:
        graph = parse(client.get(path + ".nt").data, "nt")
        return {str(n) for t in graph for n in t if isinstance(n, rdflib.URIRef)}

    for path in ("/id/firm/bmw", "/id/deal/bmw-toyota-2012-mou", "/id/person/norbert-reithofer"):
        html = client.get(path, headers={"Accept": "text/html"}).text
        shown = {
            BASE + href[1:] for href in re.findall(r'href="(/id/[^"#.?]+)"', html) if not href.endswith("/")
        }  # index pages of a kind are not resources
        first = described(path)
        assert shown & first
        missing = shown - first
        if missing:
            second = set().union(*(described(local(i)) for i in first if i.startswith(BASE + "id/")))
            assert not missing - second, (path, missing - second)


def test_turtle_declares_only_the_prefixes_it_uses(client: FlaskClient) -> None:
    import re

    for path in ("/id/firm/bmw.ttl", "/id/document/000_c6643370935e1eee.ttl", "/.well-known/void.ttl", "/catalog.ttl"):
        text = client.get(path).text
        declared = re.findall(r"^@prefix ([A-Za-z][\w-]*): ", text, flags=re.M)
        body = "\n".join(line for line in text.splitlines() if not line.startswith("@prefix"))
        assert declared, path
        for prefix in declared:
            assert re.search(rf"(^|[\s,;(\[^]){re.escape(prefix)}:", body, flags=re.M), (path, prefix)


# --- pagination of hubs -----------------------------------------------------------------------------------


def link_target(response, rel: str) -> str | None:  # noqa: ANN001
    for part in response.headers.get("Link", "").split(","):
        if f'rel="{rel}"' in part:
            return part.split(";")[0].strip()[1:-1]
    return None


def about(graph: rdflib.Graph, node: rdflib.URIRef) -> set[tuple[rdflib.term.Node, ...]]:
    return {t for t in graph if (t[0] == node or t[2] == node) and t[1] not in (*LABELS, rdflib.RDF.type)}


@pytest.fixture
def paged_client(make_app) -> FlaskClient:  # noqa: ANN001
    return make_app(DESCRIPTION_PAGE_SIZE=7).test_client()


def test_hub_is_paginated_with_next_links(client: FlaskClient, paged_client: FlaskClient) -> None:
    node = rdflib.URIRef(BMW)
    whole = about(parse(client.get("/id/firm/bmw.ttl").data, "turtle"), node)
    seen: set[tuple[rdflib.term.Node, ...]] = set()
    url: str | None = "/id/firm/bmw.ttl"
    pages = 0
    while url:
        response = paged_client.get(url)
        assert response.status_code == 200, url
        graph = parse(response.data, "turtle")
        statements = about(graph, node) - {t for t in graph if t[1] == rdflib.FOAF.primaryTopic}
        assert 0 < len(statements) <= 7, url
        assert not statements & seen  # no statement on two pages
        seen |= statements
        assert has_label(graph, node)  # every page names its subject
        pages += 1
        following = link_target(response, "next")
        rdf_next = graph.value(rdflib.URIRef("http://localhost" + url), HYDRA.next)  # about the fetched URL
        if following:
            assert following == f"/id/firm/bmw.ttl?page={pages + 1}"
            assert rdf_next == rdflib.URIRef("http://localhost" + following)
            assert (rdflib.URIRef("http://localhost" + url), rdflib.FOAF.primaryTopic, node) in graph
        else:
            assert rdf_next is None
        if pages > 1:
            previous = "/id/firm/bmw.ttl" + (f"?page={pages - 1}" if pages > 2 else "")
            assert link_target(response, "prev") == previous
        assert link_target(response, "first") == "/id/firm/bmw.ttl"
        url = following
    assert pages == -(-len(whole) // 7)
    assert seen == whole


def test_every_format_and_negotiation_keep_the_page(paged_client: FlaskClient) -> None:
    for suffix, media_type, parser in FORMATS:
        by_suffix = paged_client.get(f"/id/firm/bmw.{suffix}?page=2")
        assert by_suffix.status_code == 200 and by_suffix.mimetype == media_type
        graph = parse(by_suffix.data, parser)
        document = f"http://localhost/id/firm/bmw.{suffix}"
        assert (rdflib.URIRef(document + "?page=2"), HYDRA.previous, rdflib.URIRef(document)) in graph
        assert (rdflib.URIRef(document + "?page=2"), HYDRA.next, rdflib.URIRef(document + "?page=3")) in graph
        negotiated = paged_client.get("/id/firm/bmw?page=2", headers={"Accept": media_type})
        assert negotiated.mimetype == media_type
        assert link_target(negotiated, "next") == "/id/firm/bmw?page=3"
        assert "Accept" in negotiated.headers["Vary"]


def test_pages_out_of_range_or_malformed(paged_client: FlaskClient) -> None:
    assert paged_client.get("/id/firm/bmw.ttl?page=100000").status_code == 404
    for bad in ("0", "-1", "x", "1.5", "99999999999999999999"):
        response = paged_client.get(f"/id/firm/bmw.ttl?page={bad}")
        assert response.status_code == 400, bad
        assert "page" in response.text
    single = paged_client.get("/id/firm/no-such-firm.ttl?page=2")
    assert single.status_code == 404


def test_small_descriptions_have_no_paging(client: FlaskClient) -> None:
    response = client.get("/id/person/norbert-reithofer.ttl")
    assert link_target(response, "next") is None
    assert HYDRA.next not in set(parse(response.data, "turtle").predicates())


def test_named_graph_content_is_paginated(client: FlaskClient, make_app, kg_var: Path) -> None:  # noqa: ANN001
    store = store_of(kg_var)
    registry = ox.NamedNode(BASE + "graph/registry")
    expected = {
        (as_rdflib(q.subject), as_rdflib(q.predicate), as_rdflib(q.object))
        for q in store.quads_for_pattern(None, None, None, registry)
        if not isinstance(q.object, ox.Literal)
    }
    paged = make_app(DESCRIPTION_PAGE_SIZE=50).test_client()
    seen: set[tuple[rdflib.term.Node, ...]] = set()
    url: str | None = "/graph/registry.nt"
    while url:
        response = paged.get(url)
        graph = parse(response.data, "nt")
        seen |= {t for t in graph if not isinstance(t[2], rdflib.Literal)}
        url = link_target(response, "next")
    assert expected <= seen
