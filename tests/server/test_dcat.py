"""Describing the dataset so that people and portals find, cite and reuse it: the DCAT catalogue, the VoID
description (public IRIs, licence, HTML view), the licence on every response and page, robots.txt and the
sitemap of every resource page."""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from flask import Flask
from flask.testing import FlaskClient
from pages_support import store_of
from rdflib.compare import isomorphic

from kg.config import Paths
from kg.iris import BASE
from kg.releases import read_index

DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
VOID = rdflib.Namespace("http://rdfs.org/ns/void#")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
CC = rdflib.Namespace("http://creativecommons.org/ns#")
LICENSE = rdflib.URIRef("https://creativecommons.org/licenses/by/4.0/")
FORMATS = [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("rdf", "xml")]
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def graph_of(client: FlaskClient, path: str, fmt: str = "turtle", **kwargs: object) -> rdflib.Graph:
    response = client.get(path, **kwargs)  # type: ignore[arg-type]
    assert response.status_code == 200, path
    return rdflib.Graph().parse(data=response.data, format=fmt)


@pytest.fixture
def var_copy(tmp_path: Path, kg_var: Path) -> Path:
    """A var directory in the build layout sharing the built store, with a copy of the build's dumps, exports and
    manifest, and no releases."""
    built = Paths(var=kg_var)
    var = tmp_path / "var"
    build = var / "builds" / "test"
    build.mkdir(parents=True)
    (build / "store").symlink_to(built.store.resolve())
    for name in ("dumps", "exports"):
        shutil.copytree(built.current / name, build / name)
    shutil.copy(built.manifest, build / "build.json")
    (var / "current").symlink_to(Path("builds") / "test")
    return var


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def write_releases(var: Path, releases: object) -> None:
    Paths(var=var).releases.mkdir(exist_ok=True)
    (Paths(var=var).releases / "releases.json").write_text(json.dumps(releases), encoding="utf-8")


# --- DCAT ---------------------------------------------------------------------------------------------------


def test_catalog_describes_dataset_endpoint_and_every_dump(client: FlaskClient, kg_var: Path) -> None:
    response = client.get("/catalog")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    catalog = next(iter(graph.subjects(rdflib.RDF.type, DCAT.Catalog)))
    dataset = graph.value(catalog, DCAT.dataset)
    assert (dataset, rdflib.RDF.type, DCAT.Dataset) in graph
    assert graph.value(dataset, rdflib.DCTERMS.license) == LICENSE
    assert graph.value(dataset, rdflib.DCTERMS.title) is not None
    void = graph_of(client, "/.well-known/void")
    assert (dataset, rdflib.RDF.type, VOID.Dataset) in void  # one dataset IRI, described by both

    service = graph.value(catalog, DCAT.service)
    assert (service, rdflib.RDF.type, DCAT.DataService) in graph
    assert graph.value(service, DCAT.endpointURL) == rdflib.URIRef(BASE + "sparql")
    assert (service, DCAT.servesDataset, dataset) in graph
    distributions = set(graph.objects(dataset, DCAT.distribution))
    assert any(graph.value(d, DCAT.accessService) == service for d in distributions)

    downloads = {
        str(graph.value(d, DCAT.downloadURL)): d for d in distributions if graph.value(d, DCAT.downloadURL) is not None
    }
    dumps = [p for p in Paths(var=kg_var).dumps.iterdir() if p.name != "SHA256SUMS"]
    assert dumps
    for path in dumps:
        d = downloads[BASE + "dumps/" + path.name]
        assert int(graph.value(d, DCAT.byteSize)) == path.stat().st_size
        checksum = graph.value(d, SPDX.checksum)
        assert graph.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(path.read_bytes()).hexdigest()
        assert str(graph.value(d, DCAT.mediaType)).startswith("https://www.iana.org/assignments/media-types/")
        assert graph.value(d, rdflib.DCTERMS.license) == LICENSE
    releases = read_index(Paths(var=kg_var).releases)
    assert releases  # the build made its first release
    versions = {str(graph.value(v, DCAT.version)) for v in graph.objects(dataset, DCAT.hasVersion)}
    assert versions == {str(r["number"]) for r in releases}


def test_catalog_lists_every_export_of_the_build(client: FlaskClient, kg_var: Path) -> None:
    graph = graph_of(client, "/catalog.ttl")
    downloads = {str(u): d for d, u in graph.subject_objects(DCAT.downloadURL)}
    exports = Paths(var=kg_var).exports
    assert {"deals.csv", "network.gexf"} <= {p.name for p in exports.iterdir()}
    for path in exports.iterdir():
        d = downloads[BASE + "exports/" + path.name]
        assert int(graph.value(d, DCAT.byteSize)) == path.stat().st_size
        checksum = graph.value(d, SPDX.checksum)
        assert str(graph.value(checksum, SPDX.checksumValue)) == hashlib.sha256(path.read_bytes()).hexdigest()
    csv = downloads[BASE + "exports/deals.csv"]
    assert str(graph.value(csv, DCAT.mediaType)).endswith("/text/csv")


def test_catalog_in_every_rdf_format_and_html(client: FlaskClient) -> None:
    turtle = graph_of(client, "/catalog.ttl")
    for suffix, fmt in FORMATS:
        assert isomorphic(graph_of(client, f"/catalog.{suffix}", fmt), turtle), suffix
    page = client.get("/catalog", headers=HTML)
    assert page.mimetype == "text/html" and "Accept" in page.headers["Vary"]
    for url in turtle.objects(None, DCAT.downloadURL):
        assert f'href="{url}"' in page.text
    assert client.get("/catalog.exe").status_code == 404
    assert client.get("/catalog", headers={"Accept": "image/png"}).status_code == 406


def test_catalog_lists_releases_as_versions(var_copy: Path, make_app: Callable[..., Flask]) -> None:
    write_releases(
        var_copy,
        [
            {
                "number": 1,
                "date": "2026-01-05T10:00:00Z",
                "build": "a",
                "dumps": {"autoalliance.ttl": "ab" * 32},
                "exports": {"deals.csv": "cd" * 32},
                "changelog": {"deal": {"added": ["x", "y"], "removed": []}},
                "available": True,
            },
            {
                "number": 2,
                "date": "2026-02-01",
                "build": "b",
                "dumps": {"autoalliance.ttl": "ef" * 32},
                "changelog": {"firm": {"changed": ["z"]}},
                "available": True,
            },
            {
                "number": 3,
                "date": "2026-03-01",
                "build": "c",
                "dumps": {"autoalliance.ttl": "01" * 32},
                "changelog": {},
                "available": False,
            },
        ],
    )
    client = make_app(VAR_DIR=str(var_copy)).test_client()
    graph = graph_of(client, "/catalog.ttl")
    dataset = graph.value(next(iter(graph.subjects(rdflib.RDF.type, DCAT.Catalog))), DCAT.dataset)
    versions = {str(graph.value(v, DCAT.version)): v for v in graph.objects(dataset, DCAT.hasVersion)}
    assert set(versions) == {"1", "2", "3"}
    first, second, third = versions["1"], versions["2"], versions["3"]
    assert (second, DCAT.previousVersion, first) in graph and (third, DCAT.previousVersion, second) in graph
    assert graph.value(first, rdflib.DCTERMS.issued).toPython() == instant("2026-01-05T10:00:00Z")
    assert graph.value(second, rdflib.DCTERMS.issued).datatype == rdflib.XSD.date
    assert "2 added" in str(graph.value(first, rdflib.URIRef("http://www.w3.org/ns/adms#versionNotes")))
    files = {str(graph.value(d, rdflib.DCTERMS.title)): d for d in graph.objects(first, DCAT.distribution)}
    assert set(files) == {"autoalliance.ttl", "deals.csv"}
    assert str(graph.value(graph.value(files["autoalliance.ttl"], SPDX.checksum), SPDX.checksumValue)) == "ab" * 32
    assert str(graph.value(files["autoalliance.ttl"], DCAT.downloadURL)) == BASE + "releases/1/autoalliance.ttl"
    assert str(graph.value(files["deals.csv"], DCAT.downloadURL)) == BASE + "releases/1/deals.csv"
    assert not list(graph.objects(third, DCAT.distribution))  # its files are no longer kept
    void = graph_of(client, "/.well-known/void")  # the dataset was first issued with the first release
    issued = void.value(next(iter(void.subjects(VOID.sparqlEndpoint, None))), rdflib.DCTERMS.issued)
    assert issued.toPython() == instant("2026-01-05T10:00:00Z")


@pytest.mark.parametrize("content", ["not json", "{}", '[{"no": "number"}, 5]'])
def test_catalog_survives_a_bad_releases_index(var_copy: Path, make_app: Callable[..., Flask], content: str) -> None:
    Paths(var=var_copy).releases.mkdir()
    (Paths(var=var_copy).releases / "releases.json").write_text(content)
    graph = graph_of(make_app(VAR_DIR=str(var_copy)).test_client(), "/catalog.ttl")
    assert not list(graph.objects(None, DCAT.hasVersion))
    assert list(graph.objects(None, DCAT.distribution))


def test_catalog_skips_hostile_release_entries(var_copy: Path, make_app: Callable[..., Flask]) -> None:
    write_releases(
        var_copy,
        [
            {"number": "<script>alert(1)</script>", "date": "2026-01-01", "dumps": {"a.ttl": "00" * 32}},
            {
                "number": 7,
                "date": "2026-01-02",
                "dumps": {"b.ttl": "<b>not a digest</b>", "../../etc/passwd": "0"},
                "available": True,
            },
        ],
    )
    client = make_app(VAR_DIR=str(var_copy)).test_client()
    page = client.get("/catalog", headers=HTML).text
    turtle = client.get("/catalog.ttl").text
    for text in (page, turtle):
        assert "<script>alert" not in text and "etc/passwd" not in text and "not a digest" not in text
    graph = rdflib.Graph().parse(data=turtle, format="turtle")
    assert {str(v) for v in graph.objects(None, DCAT.version)} == {"7"}
    assert BASE + "releases/7/b.ttl" in {str(u) for u in graph.objects(None, DCAT.downloadURL)}


def test_dataset_descriptions_are_computed_once_per_build(app: Flask) -> None:
    from server.store import per_build

    calls = []
    with app.app_context():
        for _ in range(3):
            per_build(app, "test_counter", lambda store: calls.append(store) or len(calls))
    assert len(calls) == 1


# --- VoID ---------------------------------------------------------------------------------------------------


def void_dataset(graph: rdflib.Graph) -> rdflib.term.Node:
    return next(iter(graph.subjects(VOID.sparqlEndpoint, None)))


def test_void_uses_public_iris_whatever_the_request_host(client: FlaskClient) -> None:
    response = client.get("/.well-known/void", base_url="http://other-host.example:8123")
    assert b"other-host" not in response.data
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    dataset = void_dataset(graph)
    assert graph.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(BASE + "sparql")
    dumps = list(graph.objects(dataset, VOID.dataDump))
    assert dumps and all(str(d).startswith(BASE + "dumps/") for d in dumps)


def test_void_licence_publisher_dates_features_examples(client: FlaskClient, kg_var: Path) -> None:
    graph = graph_of(client, "/.well-known/void")
    dataset = void_dataset(graph)
    assert graph.value(dataset, rdflib.DCTERMS.license) == LICENSE
    assert graph.value(dataset, CC.attributionName) is not None
    publisher = graph.value(dataset, rdflib.DCTERMS.publisher)
    assert graph.value(publisher, rdflib.FOAF.name) is not None
    built = json.loads(Paths(var=kg_var).manifest.read_text())["built"]
    assert graph.value(dataset, rdflib.DCTERMS.modified).toPython() == instant(built)
    assert graph.value(dataset, rdflib.DCTERMS.issued) is not None
    features = set(graph.objects(dataset, VOID.feature))
    assert rdflib.URIRef("http://www.w3.org/ns/formats/Turtle") in features
    examples = list(graph.objects(dataset, VOID.exampleResource))
    assert len(examples) >= 2
    for example in examples:
        assert client.get(str(example)[len(BASE) - 1 :], headers={"Accept": "text/turtle"}).status_code == 200
    assert "@prefix void: <http://rdfs.org/ns/void#>" in client.get("/.well-known/void").text


def test_void_html_view(client: FlaskClient) -> None:
    graph = graph_of(client, "/.well-known/void")
    dataset = void_dataset(graph)
    for path, headers in (("/.well-known/void", HTML), ("/.well-known/void.html", {})):
        page = client.get(path, headers=headers)
        assert page.status_code == 200 and page.mimetype == "text/html"
        triples = int(graph.value(dataset, VOID.triples))
        assert f'data-void="triples">{triples:,}<' in page.text
        assert 'rel="license"' in page.text
    assert client.get("/.well-known/void").mimetype == "text/turtle"  # tools that send no Accept
    for suffix, fmt in FORMATS:
        assert isomorphic(graph_of(client, f"/.well-known/void.{suffix}", fmt), graph), suffix


# --- licence on every response and page ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", "/", HTML),
        ("GET", "/id/firm/bmw", {"Accept": "text/turtle"}),
        ("GET", "/id/firm/bmw", HTML),
        ("GET", "/id/firm/no-such-firm", HTML),
        ("GET", "/id/firm/bmw", {"Accept": "image/png"}),
        ("GET", "/sparql?query=ASK%7B%7D", {}),
        ("POST", "/sparql", {}),
        ("GET", "/dumps/", HTML),
        ("GET", "/ontology", {"Accept": "text/turtle"}),
        ("GET", "/.well-known/void", {}),
        ("GET", "/catalog", {}),
        ("GET", "/robots.txt", {}),
        ("GET", "/sitemap.xml", {}),
        ("GET", "/static/css/site.css", {}),
        ("HEAD", "/id/firm/bmw", {}),
    ],
)
def test_every_response_names_the_licence(client: FlaskClient, method: str, path: str, headers: dict[str, str]) -> None:
    response = client.open(path, method=method, headers=headers)
    response.close()  # static files are streamed from an open file
    assert f'<{LICENSE}>; rel="license"' in response.headers.get("Link", ""), (path, response.status_code)


def test_licence_is_named_once_by_the_one_header_hook(client: FlaskClient) -> None:
    """Regression: two after-request hooks added headers; now one does, and a page answered from the page cache
    names the licence once, as the first answer did."""
    from server import headers, site_meta

    assert not hasattr(site_meta, "add_license_link") and hasattr(headers, "add_common_headers")
    for path, accept in (("/id/firm/bmw", "text/html"), ("/", "text/html"), ("/.well-known/void", "text/turtle")):
        for _ in range(2):
            link = client.get(path, headers={"Accept": accept}).headers.get("Link", "")
            assert link.count('rel="license"') == 1, (path, link)


def test_resource_links_keep_alternates_beside_the_licence(client: FlaskClient) -> None:
    link = client.get("/id/firm/bmw", headers={"Accept": "text/turtle"}).headers["Link"]
    assert 'rel="alternate"' in link and 'rel="license"' in link


@pytest.mark.parametrize("path", ["/", "/id/firm/bmw", "/query", "/dumps/", "/catalog", "/.well-known/void"])
def test_every_page_footer_states_licence_and_attribution(client: FlaskClient, path: str) -> None:
    page = client.get(path, headers=HTML).text
    footer = page[page.index("<footer") :]
    assert f'<a rel="license" href="{LICENSE}">CC BY 4.0</a>' in footer
    assert "attribute it as" in footer


# --- robots.txt and the sitemap -----------------------------------------------------------------------------


def test_robots_txt(client: FlaskClient) -> None:
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.text.splitlines()
    assert "User-agent: *" in lines and "Disallow: /sparql" in lines
    assert f"Sitemap: {BASE}sitemap.xml" in lines


def resource_pages(kg_var: Path) -> set[str]:
    """Every IRI under /id/ that has a page: all subjects but selectors and monetary amounts, plus graphs."""
    store = store_of(kg_var)
    rdf_type = ox.NamedNode(str(rdflib.RDF.type))
    parts = {
        "http://www.w3.org/ns/oa#TextQuoteSelector",
        "http://www.w3.org/ns/oa#TextPositionSelector",
        "https://schema.org/MonetaryAmount",
    }
    subjects = {
        q.subject.value
        for q in store.quads_for_pattern(None, None, None)
        if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(BASE + "id/")
    }
    owned = {
        s
        for s in subjects
        if {q.object.value for q in store.quads_for_pattern(ox.NamedNode(s), rdf_type, None)} <= parts
    }
    graphs = {g.value for g in store.named_graphs()}
    return (subjects - owned) | graphs


def locs(body: bytes, tag: str) -> list[str]:
    root = ET.fromstring(body)
    assert root.tag == SITEMAP + tag
    return [e.text or "" for e in root.iter(SITEMAP + "loc")]


def test_sitemap_lists_every_resource_page_once(client: FlaskClient, kg_var: Path) -> None:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    urls = locs(response.data, "urlset")
    assert len(urls) == len(set(urls))
    expected = resource_pages(kg_var)
    assert expected <= set(urls)
    assert {BASE, BASE + "ontology", BASE + "catalog"} <= set(urls)
    for url in urls:
        assert url.startswith(BASE)
        path = "/" + url[len(BASE) :]
        assert client.get(path, headers=HTML).status_code == 200, path


def test_sitemap_becomes_an_index_at_scale(make_app: Callable[..., Flask], client: FlaskClient) -> None:
    everything = locs(client.get("/sitemap.xml").data, "urlset")
    small = make_app(SITEMAP_PAGE_SIZE=40).test_client()
    parts = locs(small.get("/sitemap.xml").data, "sitemapindex")
    assert len(parts) == math.ceil(len(everything) / 40) > 2
    collected: list[str] = []
    for number, part in enumerate(parts, start=1):
        assert part == f"{BASE}sitemap/{number}.xml"
        urls = locs(small.get(f"/sitemap/{number}.xml").data, "urlset")
        assert 0 < len(urls) <= 40
        collected += urls
    assert collected == everything
    assert small.get(f"/sitemap/{len(parts) + 1}.xml").status_code == 404
    assert small.get("/sitemap/0.xml").status_code == 404


@pytest.mark.parametrize("path", ["/ontology", "/.well-known/void", "/catalog"])
def test_documents_share_their_404_and_406(client: FlaskClient, path: str) -> None:
    """The ontology, the VoID and the catalogue answer an unknown suffix and an unacceptable Accept alike (one
    helper, server.documents)."""
    assert client.get(f"{path}.xyz").status_code == 404
    refused = client.get(path, headers={"Accept": "image/png"})
    assert refused.status_code == 406 and refused.text.startswith("406 Not Acceptable: Available as ")
    assert 'rel="alternate"' in refused.headers["Link"] and "Accept" in refused.headers["Vary"]
    assert "text/turtle" in refused.text and "text/html" in refused.text
    chosen = client.get(f"{path}.nt")
    assert chosen.status_code == 200 and chosen.mimetype == "application/n-triples" and "Vary" not in chosen.headers
