"""Pages at scale and the dataset's releases and exports: pages read the build's site data, lists are paginated,
page work has a deadline, pages carry validators from the build; /releases/ and /exports/."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import networkx as nx
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pages_support import make_var

from kg.config import Paths
from tests.pages_data import NETWORK

HTML = {"Accept": "text/html"}
PREFIXES = """@prefix aa: <https://w3id.org/autoalliance/ontology#> .
@prefix firm: <https://w3id.org/autoalliance/id/firm/> .
@prefix deal: <https://w3id.org/autoalliance/id/deal/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


def body(client: FlaskClient, path: str) -> bytes:
    """The body of GET ``path``, the response closed (file responses hold their file open until then)."""
    response = client.get(path)
    data = response.data
    response.close()
    return data


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


def hub_graph(partners: int = 30, deals: int = 45) -> str:
    """Firm ``hub`` with ``partners`` partners; partner i shares (i % 3) + 1 deals with it, up to ``deals``."""
    lines = [PREFIXES, 'firm:hub a aa:Firm ; rdfs:label "Hub Motors" .']
    made = 0
    for i in range(partners):
        lines.append(f'firm:p{i:02d} a aa:Firm ; rdfs:label "Partner {i:02d}" .')
        lines.append(f"firm:hub aa:partnerOf firm:p{i:02d} . firm:p{i:02d} aa:partnerOf firm:hub .")
        for _ in range(i % 3 + 1):
            if made < deals:
                lines.append(
                    f'deal:d{made:03d} a aa:Deal ; rdfs:label "Deal {made:03d}" ; aa:party firm:hub, '
                    f'firm:p{i:02d} ; aa:signedOn "{2000 + made % 20}"^^xsd:gYear .'
                )
                made += 1
    return "\n".join(lines)


@pytest.fixture
def hub(tmp_path: Path, make_app: Callable[..., Flask]) -> FlaskClient:
    return make_app(VAR_DIR=str(make_var(tmp_path, hub_graph()))).test_client()


def test_firm_page_paginates_deals_and_partners(hub: FlaskClient) -> None:
    page = hub.get("/id/firm/hub", headers=HTML).text
    deals = re.findall(r'href="/id/deal/(d\d+)"', page)
    assert len(deals) == 20 and "Deals (45)" in page
    assert "/id/firm/hub?page=2" in hrefs(page)
    last = hub.get("/id/firm/hub?page=3", headers=HTML).text
    assert len(re.findall(r'href="/id/deal/(d\d+)"', last)) == 5
    assert hub.get("/id/firm/hub?page=4", headers=HTML).status_code == 404
    # every deal once over the pages, in date order
    seen = [
        d
        for n in (1, 2, 3)
        for d in re.findall(
            r'<tr class="deal"[^>]*>\s*<td><a href="/id/deal/(d\d+)"',
            hub.get(f"/id/firm/hub?page={n}", headers=HTML).text,
        )
    ]
    assert sorted(seen) == [f"d{i:03d}" for i in range(45)]
    years = [2000 + int(d[1:]) % 20 for d in seen]
    assert years == sorted(years)


def test_firm_page_draws_top_partners_and_lists_all(hub: FlaskClient) -> None:
    page = hub.get("/id/firm/hub", headers=HTML).text
    svg = page[page.index('<svg class="network"') : page.index("</svg>")]
    assert svg.count("<circle") == 13  # the firm and its 12 top partners
    drawn = set(re.findall(r"Partner (\d\d)", svg))
    partners = page[page.index('id="partners"') : page.index('id="deals"')]
    shared = {
        p: int(n) for p, n in re.findall(r'href="/id/firm/p(\d\d)">[^<]*</a></td><td class="count">(\d+)<', partners)
    }
    assert len(shared) == 30 and "Partners (30)" in page
    assert len(drawn) == 12 and min(shared[p] for p in drawn) >= max(shared[p] for p in set(shared) - drawn)
    assert list(shared.values()) == sorted(shared.values(), reverse=True)  # most deals together first


def test_partners_list_pages(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    client = make_app(VAR_DIR=str(make_var(tmp_path, hub_graph(partners=70, deals=0)))).test_client()
    first = client.get("/id/firm/hub", headers=HTML).text
    second = client.get("/id/firm/hub?partners=2", headers=HTML).text
    listed = [re.findall(r'<td><a href="/id/firm/(p\d\d)"', p) for p in (first, second)]
    assert len(listed[0]) == 50 and len(listed[1]) == 20 and not set(listed[0]) & set(listed[1])
    assert "/id/firm/hub?partners=2" in hrefs(first)


def test_pages_stop_at_their_deadline(hub: FlaskClient, tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    client = make_app(VAR_DIR=str(make_var(tmp_path, hub_graph())), PAGE_TIMEOUT=0.0).test_client()
    response = client.get("/id/firm/hub", headers={"Accept": "text/html"})
    assert response.status_code == 503 and "took longer than" in response.text
    assert response.headers["Retry-After"]
    assert (
        client.get(
            "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
        ).json["boolean"]
        is True
    )


def test_index_statements_stop_at_the_deadline(app: Flask) -> None:
    import sqlite3
    import time

    from flask import g

    from server.page_guard import bound_sqlite

    with app.test_request_context("/id/firm/"):
        g.page_deadline = time.monotonic() + 0.2
        db = sqlite3.connect(":memory:")
        bound_sqlite(db)
        started = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="interrupt"):
            db.execute("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT COUNT(*) FROM n")
        assert time.monotonic() - started < 5


def test_pages_have_validators_from_the_build(client: FlaskClient) -> None:
    for path in ("/", "/id/firm/bmw", "/id/firm/", "/search?q=bmw", "/releases/"):
        first = client.get(path, headers=HTML)
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"].startswith("public, max-age="), path
        again = client.get(path, headers={**HTML, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag, path
    turtle = client.get("/id/firm/bmw", headers={"Accept": "text/turtle"})
    assert turtle.headers["ETag"] != client.get("/id/firm/bmw", headers=HTML).headers["ETag"]
    stale = client.get("/id/firm/bmw", headers={**HTML, "If-None-Match": '"something-else"'})
    assert stale.status_code == 200


def test_validators_change_with_the_build(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    var = make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))
    client = make_app(VAR_DIR=str(var)).test_client()
    before = client.get("/id/firm/alpha", headers=HTML).headers["ETag"]
    make_var(tmp_path, NETWORK.read_text(encoding="utf-8").replace("Alpha Motors", "Alpha Motor Works"))
    response = client.get("/id/firm/alpha", headers={**HTML, "If-None-Match": before})
    assert response.status_code == 200 and "Alpha Motor Works" in response.text
    assert response.headers["ETag"] != before


def test_home_page_from_site_data(client: FlaskClient, kg_var: Path) -> None:
    summary = json.loads((Paths(var=kg_var).site / "summary.json").read_text(encoding="utf-8"))
    page = client.get("/", headers=HTML).text
    svg = page[page.index('<svg class="network"') :]
    assert svg[: svg.index("</svg>")].count("<circle") == len(summary["network"]["nodes"])
    for kind in ("firm", "deal", "domain", "person", "document", "alliance"):
        assert f"/id/{kind}/" in hrefs(page)


def test_timeline_year_labels_stay_inside(client: FlaskClient) -> None:
    page = client.get("/", headers=HTML).text
    timeline = page[page.index('<svg class="timeline"') :]
    timeline = timeline[: timeline.index("</svg>")]
    width = float(re.search(r'viewBox="0 0 (\d+)', timeline)[1])
    labels = re.findall(r'<text class="year" x="([\d.]+)" y="14" text-anchor="middle">(\d{4})</text>', timeline)
    assert labels
    for x, _ in labels:
        assert 20 <= float(x) - 14 and float(x) + 14 <= width  # a four-digit label is about 27 px wide


def test_home_describes_the_dataset_for_search_engines(client: FlaskClient) -> None:
    page = client.get("/", headers=HTML).text
    (raw,) = re.findall(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    dataset = json.loads(raw)
    assert dataset["@type"] == "Dataset" and dataset["@context"] == "https://schema.org/"
    assert dataset["license"] == "https://creativecommons.org/licenses/by/4.0/" and dataset["name"] == "autoalliance"
    names = {d["name"] for d in dataset["distribution"]}
    assert {"autoalliance.ttl", "deals.csv", "network.gexf", "SPARQL endpoint"} <= names
    assert dataset["version"] == "1"


def test_deal_pages_show_no_annotation_keys(corpus_client: FlaskClient) -> None:
    deals = corpus_client.get("/id/deal/?format=json").json["items"]
    for deal in deals:
        page = corpus_client.get(deal["iri"][len("https://w3id.org/autoalliance") :], headers=HTML).text
        assert "issued_estimated" not in page and "dates_estimated" not in page, deal["iri"]


def test_quote_links_go_to_the_quote(corpus_client: FlaskClient) -> None:
    page = corpus_client.get("/id/deal/bmw-toyota-2012-mou", headers=HTML).text
    quotes = re.findall(r'<blockquote class="evidence".*?</blockquote>', page, re.S)
    assert quotes
    for quote in quotes:
        for href in hrefs(quote):
            assert re.search(r"/id/document/[^#]+#q-\d+-\d+$", href), href


def test_exports_are_served_and_linked(client: FlaskClient, kg_var: Path) -> None:
    manifest = json.loads((kg_var / "build.json").read_text(encoding="utf-8"))
    page = client.get("/", headers=HTML).text
    for name, sha in manifest["exports"].items():
        assert f"/exports/{name}" in hrefs(page)
        response = client.get(f"/exports/{name}")
        assert response.status_code == 200 and hashlib.sha256(response.data).hexdigest() == sha
        response.close()
    listing = client.get("/exports/").json["exports"]
    assert {e["name"]: e["sha256"] for e in listing} == manifest["exports"]


def test_network_as_of_a_year_by_url(client: FlaskClient) -> None:
    whole = nx.read_graphml(io.BytesIO(body(client, "/exports/network.graphml")))
    for year in (2011, 2012, 2016):
        response = client.get(f"/exports/network.graphml?year={year}")
        assert response.status_code == 200 and response.mimetype == "application/graphml+xml"
        graph = nx.read_graphml(io.BytesIO(response.data))
        assert graph.number_of_edges() <= whole.number_of_edges()
        for _, _, edge in graph.edges(data=True):
            assert edge["start_year"] <= year and edge.get("end_year", 9999) >= year
    gexf = client.get("/exports/network.gexf?year=2012")
    assert (
        nx.read_gexf(io.BytesIO(gexf.data)).number_of_edges()
        == nx.read_graphml(io.BytesIO(client.get("/exports/network.graphml?year=2012").data)).number_of_edges()
    )


@pytest.mark.parametrize(
    "path,status",
    [
        ("/exports/deals.csv?year=2015", 400),
        ("/exports/network.graphml?year=15", 400),
        ("/exports/secret.txt", 404),
        ("/exports/..%2Fbuild.json", 404),
    ],
)
def test_exports_refuse_bad_requests(client: FlaskClient, path: str, status: int) -> None:
    response = client.get(path)
    assert response.status_code == status
    response.close()


def test_releases_list_and_serve_their_files(client: FlaskClient, kg_var: Path) -> None:
    manifest = json.loads((kg_var / "build.json").read_text(encoding="utf-8"))
    listing = client.get("/releases/", headers={"Accept": "application/json"}).json["releases"]
    assert [r["number"] for r in listing] == [1]
    page = client.get("/releases/", headers=HTML).text
    for name, sha in manifest["dumps"].items():
        url = f"/releases/1/{name}"
        assert url in hrefs(page) and sha in page
        response = client.get(url)
        assert hashlib.sha256(response.data).hexdigest() == sha
        response.close()
    one = client.get("/releases/1/?format=json").json
    assert one["changes"]["deal"]["added"] and one["changes"]["deal"]["removed"] == []
    assert "/releases/1/" in hrefs(client.get("/releases/", headers=HTML).text)


def test_releases_refuse_unknown_and_pruned_files(
    client: FlaskClient, tmp_path: Path, make_app: Callable[..., Flask]
) -> None:
    assert client.get("/releases/9/").status_code == 404
    assert client.get("/releases/1/build.json").status_code == 404
    assert client.get("/releases/1/..%2F..%2Fbuild.json").status_code == 404
    var = make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))
    (var / "releases").mkdir()
    entry = {
        "number": 1,
        "date": "2026-01-01T00:00:00Z",
        "build": "x",
        "dumps": {"autoalliance.ttl": "0" * 64},
        "exports": {},
        "changelog": {},
        "available": False,
    }
    (var / "releases" / "releases.json").write_text(json.dumps([entry]), encoding="utf-8")
    pruned = make_app(VAR_DIR=str(var)).test_client()
    assert pruned.get("/releases/1/autoalliance.ttl").status_code == 410
    assert "no longer kept" in pruned.get("/releases/", headers=HTML).text


def test_repeated_pages_are_not_rendered_again(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    app = make_app(VAR_DIR=str(make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))))
    client = app.test_client()
    first = client.get("/id/firm/alpha", headers=HTML)
    rendered = app.extensions["autoalliance_pages"]["rendered"]
    assert len(rendered) == 1
    import server.linked_data as linked_data

    calls = []
    original = linked_data.render_page
    linked_data.render_page = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        again = client.get("/id/firm/alpha", headers=HTML)
        other = client.get("/id/firm/alpha?partners=1", headers=HTML)
    finally:
        linked_data.render_page = original
    assert again.data == first.data and again.headers["ETag"] == first.headers["ETag"]
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert len(calls) == 1 and other.status_code == 200  # only the new URL was rendered
    turtle = client.get("/id/firm/alpha", headers={"Accept": "text/turtle"})
    assert turtle.mimetype == "text/turtle"  # the cache keys on what was negotiated


def test_pages_wait_for_a_render_slot_until_their_deadline(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    app = make_app(
        VAR_DIR=str(make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))), PAGE_CONCURRENCY=1, PAGE_TIMEOUT=0.3
    )
    client = app.test_client()
    from server.site_data import site_data

    site_data(app)  # this store has no site data: the app computes it once, which is not what this test times
    slots = app.extensions["autoalliance_pages"]["slots"]
    assert slots.acquire(timeout=1)  # another page is rendering
    try:
        response = client.get("/id/firm/beta", headers=HTML)
        assert response.status_code == 503
        ask = client.get(
            "/sparql", query_string={"query": "ASK {}"}, headers={"Accept": "application/sparql-results+json"}
        )
        assert ask.json["boolean"] is True  # /sparql does not wait for page slots
    finally:
        slots.release()
    assert client.get("/id/firm/beta", headers=HTML).status_code == 200
    assert client.get("/id/firm/beta", headers=HTML).status_code == 200  # the slot was given back


def test_site_data_computed_by_the_app_is_removed_with_it(tmp_path: Path) -> None:
    """Regression: site data the app computed (a build without it) went to a new temporary directory that was
    never removed (/tmp held hundreds). It is removed when the app goes, and at the latest by the next app
    after a killed process (the directory names its process)."""
    import gc
    import os
    import subprocess
    import sys

    from server import create_app
    from server.site_data import TEMP_PREFIX, site_data, sweep_orphans

    var = make_var(tmp_path / "var", NETWORK.read_text(encoding="utf-8"))
    app = create_app({"VAR_DIR": str(var), "TESTING": True})
    assert app.test_client().get("/", headers=HTML).status_code == 200
    directory = site_data(app).index.parent
    assert directory.is_dir() and directory.name.startswith(f"{TEMP_PREFIX}{os.getpid()}-")
    del app
    gc.collect()
    assert not directory.exists()

    root = tmp_path / "tmp"
    root.mkdir()
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = root / f"{TEMP_PREFIX}{gone.stdout.strip()}-abc"
    alive = root / f"{TEMP_PREFIX}{os.getpid()}-def"
    orphan.mkdir()
    alive.mkdir()
    sweep_orphans(root)
    assert not orphan.exists() and alive.is_dir()
