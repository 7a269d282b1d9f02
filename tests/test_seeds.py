"""Integrity checks over the real seeds, not fixtures: what the published graph promises.

Checks that hold for any valid corpus are in ``live_data.py`` (also run over the seeds plus an extra article).
"""

from __future__ import annotations

import filecmp
import hashlib
from pathlib import Path

import pytest
from live_data import check_every_fact_has_evidence_from_its_text

from kg.build import compile_dataset, domain_slugs
from kg.config import PROJECT_ROOT, Paths
from kg.document_sums import sum_mismatches
from kg.evidence import read_corpus
from kg.ontology import load_ontology
from kg.records import Corpus

SHARED_SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
CORPUS = Path(__file__).parent / "data" / "corpus"  # the frozen fixture corpus: the seeds as first published
ORIGINAL_SHA256 = {
    "000_c6643370935e1eee.txt": "668f6e7e926ac174ad906984960d83d0fc87043d2903bf2bb47000991464f132",
    "001_688c4f44f09f2543.txt": "effc59fce8547ad66d98cbaeed79ee7a2022108897a4cf13a4543f796bd628e9",
    "002_35351c6655a1b446.txt": "ab0580a84f0c6519bfce4b185e65bf9022be84d3ae12944cc01d41ee4e4ed6b2",
}
# Wikidata items confirmed to be the same legal entity as the firm (DESIGN.md); no other link is allowed.
CONFIRMED_QIDS = {"bmw": "Q26678", "toyota": "Q53268", "daimler": "Q27530", "general-motors": "Q81965",
                  "volkswagen": "Q156578", "ford": "Q44294", "suzuki": "Q181642", "intel": "Q248",
                  "renault": "Q6686", "nissan": "Q20165"}


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    paths = Paths()
    corpus, _ = read_corpus(paths.seeds, domain_slugs(load_ontology(paths.ontology)))
    return corpus


def test_frozen_corpus_articles_are_verbatim_copies() -> None:
    """The frozen corpus's articles are the originals byte for byte (their SHA-256 as published with the seeds)."""
    found = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in (CORPUS / "documents").glob("*.txt")}
    assert found == ORIGINAL_SHA256
    assert sum_mismatches(CORPUS / "documents") == []


def test_seed_articles_match_their_sums() -> None:
    """Every article of the live seeds is listed in seeds/documents/SHA256SUMS with its SHA-256."""
    problems = sum_mismatches(Paths().documents)
    assert not problems, "\n".join(problems)
    if SHARED_SEEDS.exists():  # beside the shared seed folder, the originals are there verbatim
        for original in SHARED_SEEDS.glob("*.txt"):
            assert filecmp.cmp(original, Paths().documents / original.name, shallow=False), original.name


def test_every_document_is_annotated(corpus: Corpus) -> None:
    assert sorted(d.id for d in corpus.documents) == sorted(p.stem for p in Paths().documents.glob("*.txt"))
    for doc in corpus.documents:
        assert doc.deals or doc.refs, doc.id


def test_wikidata_links_only_where_confirmed(corpus: Corpus) -> None:
    for firm in corpus.entities("firms").values():
        qid = firm.fields.get("wikidata")
        if qid is not None:
            assert CONFIRMED_QIDS.get(firm.id) == qid, f"{firm.id}: {qid} is not a confirmed link"
    for brand in corpus.entities("brands").values():
        assert brand.fields.get("wikidata") in (None, "Q116232"), brand.id


def test_the_deals_design_names_are_present(corpus: Corpus) -> None:
    kinds = {d.kind for doc in corpus.documents for d in doc.deals}
    assert {"MemorandumOfUnderstanding", "CollaborationAgreement", "SupplyAgreement", "Acquisition", "Merger",
            "AllianceMembership"} <= kinds
    deals = {d.id: d for doc in corpus.documents for d in doc.deals}
    mou = deals["bmw-toyota-2012-mou"]
    assert mou.dates["signed"].isoformat().startswith("2012-06")
    assert mou.dates_estimated  # "today" in a release: the day comes from the dated source, and says so
    assert "bmw-toyota-2011-cooperation" in mou.expands
    research = deals["bmw-toyota-2012-battery-research"]
    assert research.dates["signed"].isoformat() == "2012-03"  # March 2012 is a month, never 2012-03-01
    here = next(d for d in deals.values() if d.kind == "Acquisition")
    assert here.value is not None and here.value.max == "2710000000" and here.value.currency == "USD"


def test_seeds_conform_to_the_shapes_and_the_ontology() -> None:
    compiled = compile_dataset(Paths())
    assert compiled.report.conforms
    assert compiled.counts["https://w3id.org/autoalliance/graph/inferred"] > 0


def test_every_deal_has_evidence_from_its_text(corpus: Corpus) -> None:
    check_every_fact_has_evidence_from_its_text(corpus)
