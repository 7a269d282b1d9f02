"""What a person sees in Chromium: the network drawn on the home page, YASGUI running an example query, a
firm's quotes, and markup in data rendered as text."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_home_draws_the_network(page: Any, site: str) -> None:
    page.goto(site + "/")
    nodes = page.locator("svg.network circle")
    assert nodes.count() > 0
    assert page.locator("svg.timeline rect").count() > 0
    assert page.external_requests == []


def test_yasgui_runs_an_example_query(page: Any, site: str) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(site + "/query")
    page.wait_for_selector(".yasqe .CodeMirror")
    page.select_option("#example-select", label="Firms and their labels")
    page.wait_for_function("document.querySelector('.tabPanel.active .yasqe') !== null")
    page.locator(".tabPanel.active .yasqe_queryButton").click()
    rows = page.locator(".tabPanel.active .yasr table tbody tr")
    rows.first.wait_for(timeout=20_000)
    assert rows.count() > 0
    assert "BMW Group" in page.locator(".tabPanel.active .yasr").inner_text()
    assert errors == []
    assert page.external_requests == []


def test_query_link_opens_in_yasgui(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.locator("ul.examples a").first.click()
    page.wait_for_selector(".yasqe .CodeMirror")
    text = page.evaluate("window.autoallianceYasgui.getTab().getYasqe().getValue()")
    assert "aa:Firm" in text and "PREFIX aa:" in text


def test_firm_page_shows_quotes(page: Any, site: str) -> None:
    page.goto(site + "/id/firm/bmw")
    assert page.locator("h1").inner_text() == "BMW Group"
    quotes = page.locator("blockquote.evidence")
    assert quotes.count() > 0
    first = quotes.first.locator("a.quote")
    href = first.get_attribute("href")
    assert href.startswith("/id/document/") and "#q-" in href
    first.click()
    page.wait_for_url("**/id/document/**")
    assert page.locator(f"[id='{href.split('#')[1]}']").count() == 1


def test_markup_in_data_is_inert(page: Any, sample_site: str) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    for path in ("/id/firm/evil", "/graph/registry", "/"):
        page.goto(sample_site + path)
        page.wait_for_timeout(200)
    page.goto(sample_site + "/id/firm/evil")
    assert page.locator("h1").inner_text() == "<script>alert('x')</script> Motors"
    assert dialogs == []
