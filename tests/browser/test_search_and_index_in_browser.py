"""What a person sees in Chromium when browsing: the search box in the header finds a firm by an alternative
name, and an index page pages and sorts."""

from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.browser


def test_search_box_finds_a_firm_by_alternative_name(page: Any, corpus_site: str) -> None:
    page.goto(corpus_site + "/id/firm/bmw")
    box = page.locator("header.site form.search input[name=q]")
    box.fill("mercedes-benz group ag")  # an alternative name of Daimler, typed in any case
    box.press("Enter")
    page.wait_for_url("**/search?q=*")
    results = page.locator("ol.results li a")
    results.first.wait_for()
    assert "Daimler" in [results.nth(i).inner_text() for i in range(results.count())]
    page.get_by_role("link", name="Daimler", exact=True).first.click()
    page.wait_for_url("**/id/firm/daimler")
    assert page.locator("h1").inner_text() == "Daimler"
    assert page.external_requests == []


def test_index_page_sorts_and_links(page: Any, site: str) -> None:
    page.goto(site + "/")
    page.locator("p.browse a", has_text="Firms").click()
    page.wait_for_url("**/id/firm/")
    names = page.locator("table.index tbody td:first-child a").all_inner_texts()
    assert names and names == sorted(names, key=str.casefold)
    page.get_by_role("link", name="partners", exact=True).click()
    page.wait_for_url("**sort=partners*")
    counts = [int(c) for c in page.locator("table.index tbody td.count:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts, reverse=True) and counts[0] > 0
    page.locator("table.index tbody td:first-child a").first.click()
    page.wait_for_url("**/id/firm/*")
    assert page.locator("svg.network circle").count() > 1
    assert page.external_requests == []
