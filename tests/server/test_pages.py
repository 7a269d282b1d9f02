"""Pages: firm, deal, domain, person and document pages show labels, deals and their quotes; /ontology, VoID
and /dumps/ describe and serve the data; every page escapes data and sends a CSP."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient
from pages_support import PREFIXES, make_var, store_of
from werkzeug.test import TestResponse

from kg.config import Paths
from kg.iris import BASE

AA = BASE + "ontology#"
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
HTML = {"Accept": "text/html"}


def fetch(client: FlaskClient, path: str, **kwargs: object) -> TestResponse:
    """GET ``path`` and close the response (file responses hold the file open until then)."""
    response = client.get(path, **kwargs)
    response.get_data()
    response.close()
    return response


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def local(iri: str) -> str:
    return iri[len(BASE) - 1 :]


def first_deal_with_evidence(store: ox.Store) -> ox.NamedNode:
    return next(
        q.subject
        for q in store.quads_for_pattern(None, ox.NamedNode(AA + "evidence"), None)
        if q.subject.value.startswith(BASE + "id/deal/")
    )


# --- firm, deal, person -------------------------------------------------------------------------------------


def test_firm_page_lists_deals_partners_and_quotes(corpus_client: FlaskClient, corpus_var: Path) -> None:
    store = store_of(corpus_var)
    page = corpus_client.get("/id/firm/bmw", headers=HTML).text
    assert "<h1>BMW Group</h1>" in page
    deals = {
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode(AA + "party"), ox.NamedNode(BASE + "id/firm/bmw"))
    }
    assert deals
    links = hrefs(page)
    for deal in deals:
        assert local(deal) in links
    partners = {
        q.object.value
        for q in store.quads_for_pattern(ox.NamedNode(BASE + "id/firm/bmw"), ox.NamedNode(AA + "partnerOf"), None)
    }
    for partner in partners:
        assert local(partner) in links
    quote_links = [h for h in links if re.match(r"^/id/document/[^/#]+#q-\d+-\d+$", h)]
    assert quote_links, "quotes link into their document, anchored at the quote"
    assert 'class="wikidata" href="http://www.wikidata.org/entity/Q26678"' in page
    assert '<svg class="network"' in page and "<circle" in page


def test_deal_page_shows_kind_status_dates_parties_and_evidence(client: FlaskClient, kg_var: Path) -> None:
    deal = first_deal_with_evidence(store_of(kg_var))
    page = client.get(local(deal.value), headers=HTML).text
    assert 'class="kind"' in page and 'class="status"' in page and 'class="parties"' in page
    assert re.search(r'<time datetime="[0-9-]+" title="precision: (year|month|day)', page)
    assert 'class="evidence"' in page
    assert any(re.match(r"^/id/document/[^/#]+#q-\d+-\d+$", h) for h in hrefs(page))


def test_dates_keep_their_precision(corpus_client: FlaskClient) -> None:
    # the MoU of June 2012 is signed at month precision in the frozen corpus
    page = corpus_client.get("/id/deal/bmw-toyota-2012-mou", headers=HTML).text
    assert re.search(r'<time datetime="2012-06(-\d\d)?" title="precision: (month|day)', page)


def test_person_page_lists_signed_deals(corpus_client: FlaskClient) -> None:
    page = corpus_client.get("/id/person/akio-toyoda", headers=HTML).text
    assert "Akio Toyoda" in page
    assert "/id/firm/toyota" in hrefs(page)


# --- domain: its deals and those of its narrower domains ---------------------------------------------------

NARROWER = (
    PREFIXES
    + """
graph:ontology {
  domain:powertrain a aa:TechnologyDomain ; skos:prefLabel "powertrain"@en ; skos:narrower domain:batteries .
  domain:batteries a aa:TechnologyDomain ; skos:prefLabel "batteries"@en ; skos:broader domain:powertrain .
}
<https://w3id.org/autoalliance/graph/doc/d1> {
  deal:top a aa:Cooperation ; rdfs:label "Deal in the broad domain" ; aa:party firm:a, firm:b ;
    aa:domain domain:powertrain .
  deal:leaf a aa:Cooperation ; rdfs:label "Deal only in the narrow domain" ; aa:party firm:a, firm:b ;
    aa:domain domain:batteries .
}
graph:registry { firm:a a aa:Firm ; rdfs:label "Firm A" . firm:b a aa:Firm ; rdfs:label "Firm B" . }
"""
)


def test_domain_page_includes_narrower_domains_deals(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    var = make_var(tmp_path, NARROWER)
    client = make_app(VAR_DIR=str(var)).test_client()
    page = client.get("/id/domain/powertrain", headers=HTML).text
    assert "Deal in the broad domain" in page and "Deal only in the narrow domain" in page
    assert "/id/domain/batteries" in hrefs(page)
    narrow = client.get("/id/domain/batteries", headers=HTML).text
    assert "Deal only in the narrow domain" in narrow and "Deal in the broad domain" not in narrow
    assert "/id/domain/powertrain" in hrefs(narrow)


def test_domain_page_over_the_graph(client: FlaskClient) -> None:
    page = client.get("/id/domain/powertrain-electrification", headers=HTML).text
    assert "/id/deal/bmw-toyota-2012-mou" in hrefs(page)


# --- document: quotes marked in text order ----------------------------------------------------------------

TEXT = "Alpha and Beta signed a deal. Later, Beta and Gamma began talks."
DOCUMENT = (
    PREFIXES
    + """
<https://w3id.org/autoalliance/graph/doc/doc-1> {{
  doc:doc-1 a aa:SourceDocument ; dcterms:title "Two deals" .
  <{e2}> a aa:Evidence ; oa:hasSource doc:doc-1 ; oa:hasSelector <{e2}/q>, <{e2}/p> .
  <{e2}/q> a oa:TextQuoteSelector ; oa:exact "Beta and Gamma began talks" .
  <{e2}/p> a oa:TextPositionSelector ; oa:start 37 ; oa:end 63 .
  <{e1}> a aa:Evidence ; oa:hasSource doc:doc-1 ; oa:hasSelector <{e1}/q>, <{e1}/p> .
  <{e1}/q> a oa:TextQuoteSelector ; oa:exact "Alpha and Beta signed a deal" .
  <{e1}/p> a oa:TextPositionSelector ; oa:start 0 ; oa:end 28 .
  deal:x a aa:Cooperation ; rdfs:label "X" ; aa:evidence <{e1}>, <{e2}> .
}}
""".format(e1=BASE + "id/document/doc-1/evidence/0-28", e2=BASE + "id/document/doc-1/evidence/37-63")
)


def test_document_page_marks_quotes_in_text_order(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    assert TEXT[0:28] == "Alpha and Beta signed a deal" and TEXT[37:63] == "Beta and Gamma began talks"
    var = make_var(tmp_path / "var", DOCUMENT)
    Paths(var=var).texts.mkdir(parents=True)
    (Paths(var=var).texts / "doc-1.txt").write_text(TEXT, encoding="utf-8")  # the build's copy of the text
    client = make_app(VAR_DIR=str(var)).test_client()
    page = client.get("/id/document/doc-1", headers=HTML).text
    marks = re.findall(r'<mark class="quote"[^>]*>([^<]*)</mark>', page)
    assert marks == ["Alpha and Beta signed a deal", "Beta and Gamma began talks"]
    assert page.index('id="q-0-28"') < page.index('id="q-37-63"')
    assert ". Later, " in page


def test_document_page_lists_quotes_without_text(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    var = make_var(tmp_path / "var", DOCUMENT)
    client = make_app(VAR_DIR=str(var)).test_client()  # a build without texts
    page = client.get("/id/document/doc-1", headers=HTML).text
    assert "<mark" not in page and "not available" in page
    assert page.index("Alpha and Beta signed a deal") < page.index("Beta and Gamma began talks")
    assert 'id="q-0-28"' in page


def test_document_page_over_the_graph(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    doc = BASE + "id/document/001_688c4f44f09f2543"
    evidence = {
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode("http://www.w3.org/ns/oa#hasSource"), ox.NamedNode(doc))
    }
    page = client.get(local(doc), headers=HTML).text
    for iri in evidence:
        start, end = iri.rsplit("/", 1)[1].split("-")
        assert f'id="q-{start}-{end}"' in page


# --- escaping and CSP ----------------------------------------------------------------------------------------


def test_markup_in_labels_is_escaped(sample_var: Path, make_app: Callable[..., Flask]) -> None:
    client = make_app(VAR_DIR=str(sample_var)).test_client()
    for path in ("/id/firm/evil", "/graph/registry"):
        page = client.get(path, headers=HTML).text
        assert "<script>alert" not in page
        assert "&lt;script&gt;alert(" in page
        assert "script-src 'self'" in client.get(path, headers=HTML).headers["Content-Security-Policy"]


def test_pages_send_a_csp(client: FlaskClient) -> None:
    for path in ("/", "/query", "/id/firm/bmw", "/ontology", "/dumps/"):
        response = client.get(path, headers=HTML)
        assert response.status_code == 200, path
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]


# --- home and query UI ------------------------------------------------------------------------------------------


def test_home_counts_network_and_links(client: FlaskClient, kg_var: Path) -> None:
    store = store_of(kg_var)
    page = client.get("/", headers=HTML).text
    firms = {
        q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(AA + "Firm"))
    }
    assert f'<strong data-count="firms">{len(firms)}</strong>' in page
    triples = len({q.triple for q in store})
    assert f'<strong data-count="triples">{triples}</strong>' in page
    assert page.count("<circle") > 0
    links = hrefs(page)
    assert "/sparql" in page and "/dumps/" in links and "/ontology" in links


def test_home_offers_example_queries(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    (tmp_path / "q1.rq").write_text("# Which firms are there?\nSELECT ?f WHERE { ?f a aa:Firm }\n")
    client = make_app(EXAMPLE_QUERIES_DIR=str(tmp_path)).test_client()
    page = client.get("/", headers=HTML).text
    assert "Which firms are there?" in page
    assert any(h.startswith("/query?query=") for h in hrefs(page))
    ui = client.get("/query", headers=HTML).text
    config = json.loads(unescape(re.search(r'id="yasgui-config">(.*?)</script>', ui, re.S)[1]))
    assert config["examples"][0]["title"] == "Which firms are there?"


def test_query_ui_is_local(client: FlaskClient) -> None:
    page = client.get("/query", headers=HTML).text
    config = json.loads(re.search(r'id="yasgui-config">(.*?)</script>', page, re.S)[1])
    assert config["endpoint"] == "/sparql"
    assert config["prefixes"]["aa"] == AA
    scripts = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    assert fetch(client, "/static/yasgui/yasgui.min.js").status_code == 200
    assert "MIT" in fetch(client, "/static/yasgui/LICENSE").text
    assert client.get("/sparql", headers=HTML).text == page


# --- ontology ---------------------------------------------------------------------------------------------


def test_ontology_html_and_rdf(client: FlaskClient) -> None:
    html = client.get("/ontology", headers=HTML)
    assert html.status_code == 200 and 'id="Firm"' in html.text and 'id="party"' in html.text
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle" and "Accept" in turtle.headers["Vary"]
    graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
    assert (rdflib.URIRef(AA + "Firm"), rdflib.RDF.type, rdflib.OWL.Class) in graph
    jsonld = rdflib.Graph().parse(data=client.get("/ontology.jsonld").data, format="json-ld")
    assert len(jsonld) == len(graph)
    assert client.get("/ontology/domains.ttl").status_code == 200
    assert client.get("/ontology/..%2Fpyproject").status_code == 404
    assert client.get("/ontology.exe").status_code == 404


# --- VoID -------------------------------------------------------------------------------------------------


def test_void_counts_match_the_store(client: FlaskClient, kg_var: Path) -> None:
    response = client.get("/.well-known/void")
    assert response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    dataset = next(graph.subjects(rdflib.RDF.type, VOID.Dataset))
    store = store_of(kg_var)
    assert int(graph.value(dataset, VOID.triples)) == len({q.triple for q in store})
    firms = {
        q.subject for q in store.quads_for_pattern(None, ox.NamedNode(str(rdflib.RDF.type)), ox.NamedNode(AA + "Firm"))
    }
    partitions = {
        graph.value(p, VOID["class"]): int(graph.value(p, VOID.entities))
        for p in graph.objects(dataset, VOID.classPartition)
    }
    assert partitions[rdflib.URIRef(AA + "Firm")] == len(firms)
    same_as = {
        (q.subject, q.object)
        for q in store.quads_for_pattern(None, ox.NamedNode(str(rdflib.OWL.sameAs)), None)
        if q.object.value.startswith("http://www.wikidata.org/entity/")
    }
    linkset = next(graph.subjects(rdflib.RDF.type, VOID.Linkset))
    assert int(graph.value(linkset, VOID.triples)) == len(same_as)
    assert str(graph.value(dataset, VOID.sparqlEndpoint)).endswith("/sparql")
    assert graph.value(dataset, rdflib.DCTERMS.license) is not None
    dumps = {p.name for p in Paths(var=kg_var).dumps.iterdir() if p.name != "SHA256SUMS"}
    assert {str(u).rsplit("/", 1)[1] for u in graph.objects(dataset, VOID.dataDump)} == dumps
    assert str(graph.value(dataset, VOID.uriSpace)) == BASE + "id/"
    assert rdflib.URIRef(AA) in set(graph.objects(dataset, VOID.vocabulary))


def test_void_in_other_formats(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert response.mimetype == "application/ld+json"
    assert len(rdflib.Graph().parse(data=response.data, format="json-ld")) > 10


# --- dumps ------------------------------------------------------------------------------------------------


@pytest.fixture
def dumps_client(tmp_path: Path, sample_var: Path, make_app: Callable[..., Flask]) -> FlaskClient:
    var = tmp_path / "var"
    dumps = Paths(var=var).dumps
    dumps.mkdir(parents=True)
    Paths(var=var).store.symlink_to(Paths(var=sample_var).store)
    body = b"@prefix ex: <http://example.org/> .\n" + b"ex:s ex:p ex:o .\n" * 200
    (dumps / "autoalliance.ttl").write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    (dumps / "SHA256SUMS").write_text(f"{digest}  autoalliance.ttl\n")
    (var / "secret.txt").write_text("not a dump")
    return make_app(VAR_DIR=str(var)).test_client()


def test_dumps_listing(dumps_client: FlaskClient) -> None:
    page = fetch(dumps_client, "/dumps/", headers=HTML).text
    assert "/dumps/autoalliance.ttl" in hrefs(page) and "SHA256SUMS" in page
    listing = fetch(dumps_client, "/dumps/", headers={"Accept": "application/json"}).json
    ttl = next(d for d in listing["dumps"] if d["name"] == "autoalliance.ttl")
    body = fetch(dumps_client, "/dumps/autoalliance.ttl").data
    assert ttl["size"] == len(body) and ttl["sha256"] == hashlib.sha256(body).hexdigest()


def test_dump_conditional_get_and_ranges(dumps_client: FlaskClient) -> None:
    full = fetch(dumps_client, "/dumps/autoalliance.ttl")
    assert full.status_code == 200 and full.mimetype == "text/turtle"
    etag, modified = full.headers["ETag"], full.headers["Last-Modified"]
    assert hashlib.sha256(full.data).hexdigest() in etag
    assert fetch(dumps_client, "/dumps/autoalliance.ttl", headers={"If-None-Match": etag}).status_code == 304
    assert fetch(dumps_client, "/dumps/autoalliance.ttl", headers={"If-Modified-Since": modified}).status_code == 304
    part = fetch(dumps_client, "/dumps/autoalliance.ttl", headers={"Range": "bytes=10-19"})
    assert part.status_code == 206 and part.data == full.data[10:20]
    assert part.headers["Content-Range"] == f"bytes 10-19/{len(full.data)}"
    assert fetch(dumps_client, "/dumps/autoalliance.ttl", headers={"Range": "bytes=999999-"}).status_code == 416


@pytest.mark.parametrize(
    "path",
    [
        "/dumps/../pyproject.toml",
        "/dumps/..%2Fpyproject.toml",
        "/dumps/..%2Fsecret.txt",
        "/dumps/.hidden",
        "/dumps/%2Fetc%2Fpasswd",
        "/dumps/nope.ttl",
    ],
)
def test_dump_paths_are_checked(dumps_client: FlaskClient, path: str) -> None:
    response = fetch(dumps_client, path)
    assert response.status_code == 404
    assert b"not a dump" not in response.data and b"[project]" not in response.data


def test_dumps_of_the_build(client: FlaskClient, kg_var: Path) -> None:
    listing = fetch(client, "/dumps/?format=json").json
    names = {d["name"] for d in listing["dumps"]}
    assert names == {p.name for p in Paths(var=kg_var).dumps.iterdir()}


def test_deal_value_reads_as_an_amount(client) -> None:  # noqa: ANN001
    page = client.get("/id/deal/bmw-daimler-here-acquisition", headers=HTML)
    assert page.status_code == 200
    assert "up to 2,710,000,000 USD" in page.text
