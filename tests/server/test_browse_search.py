"""Index pages per kind (/id/<kind>/: paginated, sortable, HTML and JSON) and the search box (/search)."""

from __future__ import annotations

import re
from collections.abc import Callable
from html import unescape
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pages_support import make_var

from tests.pages_data import NETWORK

HTML = {"Accept": "text/html"}
FIRM = "https://w3id.org/autoalliance/id/firm/"


@pytest.fixture
def small(tmp_path: Path, make_app: Callable[..., Flask]) -> FlaskClient:
    """The app over the network fixture, stored without site data (the app computes it once)."""
    var = make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))
    return make_app(VAR_DIR=str(var)).test_client()


MANY_FIRMS = "@prefix aa: <https://w3id.org/autoalliance/ontology#> .\n" + "\n".join(
    f"<https://w3id.org/autoalliance/id/firm/f{i:03d}> a aa:Firm ; "
    f'<http://www.w3.org/2000/01/rdf-schema#label> "Firm {i:03d}" .'
    for i in range(120)
)


def hrefs(html: str) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]*)"', html)]


@pytest.mark.parametrize("kind", ["firm", "deal", "domain", "person", "document", "alliance"])
def test_every_kind_has_an_index(corpus_client: FlaskClient, kind: str) -> None:
    response = corpus_client.get(f"/id/{kind}/", headers=HTML)
    assert response.status_code == 200
    data = corpus_client.get(f"/id/{kind}/", headers={"Accept": "application/json"}).json
    assert data["kind"] == kind and data["total"] == len(data["items"]) > 0  # fewer than one page in the seeds
    for item in data["items"]:
        assert item["iri"].startswith(f"https://w3id.org/autoalliance/id/{kind}/")
        assert f'href="{item["iri"][len("https://w3id.org/autoalliance") :]}"' in response.text


def test_index_sorts(small: FlaskClient) -> None:
    by_label = [i["label"] for i in small.get("/id/firm/?format=json").json["items"]]
    assert by_label == sorted(by_label, key=str.casefold)
    by_partners = small.get("/id/firm/?sort=partners&format=json").json["items"]
    assert [i["partners"] for i in by_partners] == [2, 2, 2, 0]
    deals = small.get("/id/deal/?sort=date&format=json").json["items"]
    assert [d["date"] for d in deals] == ["2012", "2015-03-02", "2016", ""]  # undated last
    newest = small.get("/id/deal/?sort=date&order=desc&format=json").json["items"]
    assert [d["date"] for d in newest] == ["2016", "2015-03-02", "2012", ""]
    in_2015 = small.get("/id/deal/?year=2015&format=json").json
    assert [d["label"] for d in in_2015["items"]] == ["Beta supplies Gamma"]


def test_index_is_paginated(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    client = make_app(VAR_DIR=str(make_var(tmp_path, MANY_FIRMS))).test_client()
    first = client.get("/id/firm/", headers=HTML).text
    assert "Firm 000" in first and "Firm 049" in first and "Firm 050" not in first
    assert "/id/firm/?page=2" in hrefs(first)
    third = client.get("/id/firm/?page=3&format=json").json
    assert third["pages"] == 3 and third["total"] == 120 and [i["label"] for i in third["items"]][0] == "Firm 100"
    assert len(third["items"]) == 20


@pytest.mark.parametrize(
    "query", ["page=0", "page=x", "page=-1", "sort=nonsense", "order=up", "year=15", "page=99999999999"]
)
def test_index_rejects_bad_parameters(small: FlaskClient, query: str) -> None:
    response = small.get(f"/id/firm/?{query}", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.json["message"]


def test_index_past_the_last_page_is_404(small: FlaskClient) -> None:
    assert small.get("/id/firm/?page=2").status_code == 404


def test_search_finds_alternative_names_case_insensitively(small: FlaskClient) -> None:
    for query in ("alpha ag", "ALPHA", "älpha fahrz", "alpha fahrzeugwerke", "Motors"):
        results = small.get("/search", query_string={"q": query, "format": "json"}).json["results"]
        assert [r["iri"] for r in results][:1] == [FIRM + "alpha"], query
    page = small.get("/search?q=fahrzeugwerke", headers=HTML).text
    assert "/id/firm/alpha" in hrefs(page) and "Älpha Fahrzeugwerke" in page


def test_search_kinds_exact_first_and_nothing(small: FlaskClient) -> None:
    deals = small.get("/search?q=beta&kind=deal&format=json").json["results"]
    assert {r["kind"] for r in deals} == {"deal"} and len(deals) == 3
    everything = small.get("/search?q=beta&format=json").json["results"]
    assert everything[0]["label"] == "Beta Cells"  # the exact name first
    assert small.get("/search?q=zzzz&format=json").json["results"] == []


@pytest.mark.parametrize(
    "query", ['"', "NEAR(a b)", "a OR", "*", "a AND NOT b", "'; DROP TABLE resource; --", "<script>alert(1)</script>"]
)
def test_search_takes_any_text_as_words(small: FlaskClient, query: str) -> None:
    response = small.get("/search", query_string={"q": query}, headers=HTML)
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text


def test_search_escapes_labels(small: FlaskClient) -> None:
    page = small.get("/search?q=gamma", headers=HTML).text
    assert "Gamma &lt;b&gt;Labs&lt;/b&gt;" in page and "<b>Labs</b>" not in page


def test_search_rejects_long_queries_and_unknown_kinds(small: FlaskClient) -> None:
    assert small.get("/search", query_string={"q": "a" * 201}).status_code == 400
    assert small.get("/search?q=a&kind=planet").status_code == 400


def test_every_page_has_the_search_box(client: FlaskClient) -> None:
    for path in ("/", "/id/firm/bmw", "/id/firm/", "/releases/"):
        page = client.get(path, headers=HTML).text
        assert re.search(r'<form class="search" action="/search" method="get" role="search">', page), path


def test_search_over_the_corpus(corpus_client: FlaskClient) -> None:
    # an alternative name of a firm in the registry finds the firm
    results = corpus_client.get("/search?q=mercedes-benz&format=json").json["results"]
    assert "https://w3id.org/autoalliance/id/firm/daimler" in [r["iri"] for r in results]
