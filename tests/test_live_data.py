"""The live ``seeds/`` pass checks that hold for any valid corpus, and so do the seeds plus an extra article.

The second case is the promise to analysts: adding a valid article (its text, annotations, registry entries and
its line in ``seeds/documents/SHA256SUMS``) leaves the test suite green.
"""

from __future__ import annotations

from pathlib import Path

import live_data
import pytest

from kg.config import Paths
from kg.document_sums import SUMS, read_sums, record_sum, sum_mismatches
from kg.store import open_store

LIVE = Paths().seeds


def test_live_texts_match_their_sums() -> None:
    live_data.check_texts_match_their_sums(LIVE)


def test_live_seeds_read_anchor_and_have_unique_ids() -> None:
    corpus = live_data.read(LIVE)
    live_data.check_every_document_is_annotated(LIVE, corpus)
    live_data.check_every_fact_has_evidence_from_its_text(corpus)
    live_data.check_ids_are_unique(corpus)


def test_readme_query_returns_rows_on_the_live_seeds(kg_var: Path) -> None:
    live_data.check_readme_query_returns_rows(Paths(var=kg_var))


def test_seeds_plus_an_extra_article_pass_every_live_data_check(tmp_path: Path) -> None:
    seeds = live_data.seeds_with_extra_article(tmp_path)
    var = tmp_path / "var"
    live_data.check_all(seeds, var)
    # the extra article really is in the build, with its new firm and its deals
    store = open_store(Paths(seeds=seeds, var=var).store)
    ask = (
        "PREFIX aa: <https://w3id.org/autoalliance/ontology#> ASK { "
        "<https://w3id.org/autoalliance/id/deal/nordwerk-toyota-2019-supply> "
        "aa:supplier <https://w3id.org/autoalliance/id/firm/nordwerk-batteries> }"
    )
    assert store.query(ask, use_default_graph_as_union=True)


def test_extra_article_needs_no_estimated_publication_date() -> None:
    """``issued_estimated`` is optional: the extra article is dated by its own dateline."""
    text = next((live_data.EXTRA / "annotations").glob("*.yaml")).read_text(encoding="utf-8")
    assert "issued:" in text and "issued_estimated" not in text


def test_a_changed_text_is_caught(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "a.txt").write_text("An article.\n", encoding="utf-8")
    record_sum(docs / "a.txt")
    assert sum_mismatches(docs) == []
    (docs / "a.txt").write_text("An edited article.\n", encoding="utf-8")
    assert any("the text changed" in p for p in sum_mismatches(docs))


def test_an_unlisted_or_missing_article_is_caught(tmp_path: Path) -> None:
    docs = tmp_path / "documents"
    docs.mkdir()
    (docs / "a.txt").write_text("An article.\n", encoding="utf-8")
    assert sum_mismatches(docs) == [f"{docs / 'a.txt'}: not listed in {SUMS}"]
    record_sum(docs / "a.txt")
    (docs / "a.txt").rename(docs / "b.txt")
    problems = sum_mismatches(docs)
    assert any("lists a.txt, which does not exist" in p for p in problems)
    assert any("b.txt: not listed" in p for p in problems)


def test_sums_file_has_the_sha256sum_format(tmp_path: Path) -> None:
    (tmp_path / SUMS).write_text("not a sum line\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"SHA256SUMS:1: expected"):
        read_sums(tmp_path)
    line = (LIVE / "documents" / SUMS).read_text(encoding="utf-8").splitlines()[0]
    digest, name = line.split("  ")
    assert len(digest) == 64 and name.endswith(".txt")
