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
CONFIRMED_QIDS = {
    "bmw": "Q26678",
    "toyota": "Q53268",
    "daimler": "Q27530",
    "general-motors": "Q81965",
    "volkswagen": "Q156578",
    "ford": "Q44294",
    "suzuki": "Q181642",
    "intel": "Q248",
    "renault": "Q6686",
    "nissan": "Q20165",
}


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
    assert {
        "MemorandumOfUnderstanding",
        "CollaborationAgreement",
        "SupplyAgreement",
        "Acquisition",
        "Merger",
        "AllianceMembership",
    } <= kinds
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


# Integrity rules of docs/modelling.md, over the live seeds: each would have caught a mistake once published.


def _names(corpus: Corpus) -> dict[str, set[str]]:
    """Every name of each firm (label, alternative names, its brands), lower case."""
    names = {
        f.id: {f.label.lower(), *(str(a).lower() for a in f.fields.get("alt") or [])}  # type: ignore[attr-defined]
        for f in corpus.entities("firms").values()
    }
    for brand in corpus.entities("brands").values():
        owner = brand.fields.get("owner")
        if owner in names:
            names[str(owner)].add(brand.label.lower())
    return names


def test_a_quote_of_every_deal_names_one_of_its_parties(corpus: Corpus) -> None:
    """A deal's evidence is about that deal: the GM-PSA alliance once ended on a quote naming neither firm."""
    names = _names(corpus)
    for doc in corpus.documents:
        for deal in doc.deals:
            quotes = " ".join(q.exact.lower() for q in deal.evidence)
            named = [f for f in deal.all_parties() if any(n in quotes for n in names[f])]
            assert named, f"{deal.id}: no quote names any of {deal.all_parties()}"


@pytest.fixture(scope="module")
def domain_wordings() -> dict[str, set[str]]:
    """Each domain slug -> its labels and those of its narrower domains, lower case, hyphens as spaces."""
    from rdflib.namespace import SKOS

    from kg import iris

    ontology = load_ontology(Paths().ontology)
    prefix = str(iris.DOMAIN)
    words: dict[str, set[str]] = {}
    for concept in ontology.subjects(SKOS.inScheme, None):
        if str(concept).startswith(prefix):
            narrower = set(ontology.transitive_objects(concept, SKOS.narrower))
            labels = {str(o) for c in narrower for p in (SKOS.prefLabel, SKOS.altLabel) for o in ontology.objects(c, p)}
            words[str(concept)[len(prefix) :]] = {w.lower().replace("-", " ") for w in labels}
    return words


def test_every_domain_is_worded_in_the_quotes(corpus: Corpus, domain_wordings: dict[str, set[str]]) -> None:
    """A domain is filed only when a quote names it (by a label or an alternative label of it or a narrower
    domain): the cartel's domains were once taken from outside its quote, 'batteries' filed as lithium-ion cells.
    A new wording is added to ontology/domains.ttl as skos:altLabel."""
    for doc in corpus.documents:
        for item in [*doc.deals, *doc.alliances]:
            quotes = " ".join(q.exact.lower().replace("-", " ") for q in item.evidence)
            for slug in item.domains:
                assert any(w in quotes for w in domain_wordings[slug]), (
                    f"{item.id}: domain '{slug}' is not worded in its quotes (labels: {sorted(domain_wordings[slug])})"
                )


#: Kinds that the text must name: a binding agreement is a CollaborationAgreement only when a quote says so.
KIND_WORDINGS = {
    "MemorandumOfUnderstanding": ("memorandum", "mou"),
    "CollaborationAgreement": ("agreement", "contract"),
    "SupplyAgreement": ("suppl",),
    "JointStatement": ("joint statement",),
    "JointVenture": ("joint venture",),
}


def test_agreement_kinds_are_worded_in_the_quotes(corpus: Corpus) -> None:
    """The BMW-Intel-Mobileye platform was once a CollaborationAgreement; the text says only 'established'."""
    for doc in corpus.documents:
        for deal in doc.deals:
            words = KIND_WORDINGS.get(deal.kind)
            if words:
                quotes = " ".join(q.exact.lower() for q in deal.evidence)
                assert any(w in quotes for w in words), f"{deal.id}: no quote calls it a {deal.kind} ({words})"


def test_ended_stakes_and_divestments_are_linked(corpus: Corpus) -> None:
    """A stake that was sold is Ended, and its sale is a Divestment (Completed) that `ends` it."""
    deals = {d.id: d for doc in corpus.documents for d in doc.deals}
    for deal in deals.values():
        if deal.kind == "Divestment":
            assert deal.status in ("Completed", "Signed", "Announced", "InTalks", "Rumoured"), deal.id
            for ended in deal.ends:
                assert deals[ended].status == "Ended", f"{deal.id} ends {ended}, which is not Ended"
        if deal.kind in ("EquityStake", "CrossShareholding"):
            assert deal.roles.get("investor") and deal.roles.get("investee"), deal.id


def test_every_registry_person_speaks_or_signs(corpus: Corpus) -> None:
    """A person in the registry is used: Klaus Froehlich once sat in the registry with his statement unannotated."""
    used = {s for doc in corpus.documents for d in doc.deals for s in d.signatories}
    used |= {
        q.speaker
        for doc in corpus.documents
        for item in [*doc.deals, *doc.refs, *doc.alliances, *doc.investigations]
        for q in item.evidence
    }
    for person in corpus.entities("people"):
        assert person in used, f"person '{person}' neither signs a deal nor speaks in a quote"


def test_rumoured_deals_rest_on_no_official_statement(corpus: Corpus) -> None:
    """Rumoured means nobody reports negotiations: an official or executive statement makes it at least InTalks."""
    for doc in corpus.documents:
        for deal in doc.deals:
            if deal.status == "Rumoured":
                sure = [q.exact for q in deal.evidence if q.attribution in ("OfficialStatement", "ExecutiveStatement")]
                assert not sure, f"{deal.id}: Rumoured, yet stated by {sure}"


def test_kind_definitions_allow_the_statuses_used(corpus: Corpus) -> None:
    """aa:JointStatement was once defined as 'without a signed agreement' while the 2012 one is Signed with two
    signatories: a kind whose definition rules out signing must not be used for a signed deal."""
    from rdflib.namespace import RDFS

    from kg.vocab import AA

    ontology = load_ontology(Paths().ontology)
    for doc in corpus.documents:
        for deal in doc.deals:
            definition = str(ontology.value(AA[deal.kind], RDFS.comment)).lower()
            if deal.status in ("Signed", "Completed") or deal.signatories:
                assert "without a signed" not in definition and "never signed" not in definition, (
                    f"{deal.id} is {deal.status} but aa:{deal.kind} is defined as unsigned"
                )
