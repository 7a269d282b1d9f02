"""autoalliance draft: drafts that validate as written, and find the firms, deals, dates and values of the text.

The articles are those of the frozen corpus (each drafted alone beside the registry, its annotation removed)
and the invented article of ``tests/data/extra`` (drafted without its registry file: the draft must propose it).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from ruamel.yaml import YAML

from kg.build import compile_dataset
from kg.cli import main
from kg.config import Paths
from kg.document_sums import read_sums
from kg.draft import draft_document
from kg.draft_dates import DateFinder, parse_issued
from kg.draft_lexicon import domain_names, load_rules
from kg.errors import KGError
from kg.records import PartialDate

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"
EXTRA = DATA / "extra"
EXTRA_DOC = "900_invented_nordwerk"
ISSUED = {"000_c6643370935e1eee": "2012", "001_688c4f44f09f2543": "2012-06-29", "002_35351c6655a1b446": "2018-12"}


def load(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))


def seeds_with(tmp_path: Path, source: Path, doc_id: str, registry: Path = CORPUS / "registry") -> Path:
    """A seeds directory holding the registry and one article, not yet annotated."""
    seeds = tmp_path / "seeds"
    shutil.copytree(registry, seeds / "registry")
    (seeds / "documents").mkdir()
    (seeds / "annotations").mkdir()
    shutil.copy2(source / "documents" / f"{doc_id}.txt", seeds / "documents" / f"{doc_id}.txt")
    return seeds


def empty_seeds(tmp_path: Path) -> Path:
    """A seeds directory with the registry and no article yet."""
    seeds = tmp_path / "seeds"
    shutil.copytree(CORPUS / "registry", seeds / "registry")
    (seeds / "documents").mkdir()
    (seeds / "annotations").mkdir()
    return seeds


def draft(seeds: Path, doc_id: str, issued: str | None, **kwargs: Any) -> dict[str, Any]:
    result = draft_document(
        seeds / "documents" / f"{doc_id}.txt", seeds, parse_issued(issued) if issued else None, **kwargs
    )
    return load(result.annotation)


def validates(seeds: Path) -> bool:
    return compile_dataset(Paths(seeds=seeds)).report.conforms


def firms(annotation: dict[str, Any]) -> set[str]:
    found: set[str] = set()
    for deal in annotation.get("deals") or []:
        found |= set(deal.get("parties") or [])
        for value in (deal.get("roles") or {}).values():
            found |= set(value if isinstance(value, list) else [value])
    return found


def deal_with(annotation: dict[str, Any], kind: str, *members: str) -> dict[str, Any]:
    for deal in annotation["deals"]:
        if deal.get("kind") == kind and set(members) <= firms({"deals": [deal]}):
            return deal
    raise AssertionError(f"no {kind} deal of {members} in {[d.get('id') for d in annotation['deals']]}")


# --- the frozen corpus's articles ------------------------------------------------------------------------------

EXPECTED_FIRMS = {
    "000_c6643370935e1eee": {"bmw", "toyota", "general-motors", "psa"},
    "001_688c4f44f09f2543": {"bmw", "toyota", "toyota-motor-europe"},
    "002_35351c6655a1b446": {
        "daimler",
        "bmw",
        "volkswagen",
        "ford",
        "intel",
        "mobileye",
        "delphi",
        "continental",
        "magna",
        "fca",
        "here",
        "general-motors",
        "psa",
        "suzuki",
        "toyota",
        "renault",
        "nissan",
        "audi",
        "porsche",
    },
}


@pytest.mark.parametrize("doc_id", sorted(ISSUED))
def test_draft_of_a_corpus_article_validates_and_finds_its_firms(tmp_path: Path, doc_id: str) -> None:
    seeds = seeds_with(tmp_path, CORPUS, doc_id)
    annotation = draft(seeds, doc_id, ISSUED[doc_id])
    assert validates(seeds)
    assert EXPECTED_FIRMS[doc_id] <= firms(annotation)
    text = (seeds / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8")
    for deal in annotation["deals"]:
        for quote in deal["evidence"]:
            assert quote["quote"] in text  # a whole sentence of the text
    assert f"{doc_id}.txt" in read_sums(seeds / "documents")


def test_dates_at_their_precision_and_how_they_were_resolved(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, CORPUS, "001_688c4f44f09f2543")
    annotation = draft(seeds, "001_688c4f44f09f2543", "2012-06-29")
    research = deal_with(annotation, "CollaborationAgreement", "bmw", "toyota")
    assert str(research["signed"]) == "2012-03"  # "In March 2012": a month, never 2012-03-01
    assert "dates_estimated" not in research
    statement = deal_with(annotation, "JointStatement", "bmw", "toyota")
    assert str(statement["signed"]) == "2012-06-29" and "'Also today'" not in statement["dates_estimated"]
    assert "today" in statement["dates_estimated"].lower()
    assert set(statement["signatories"]) == {"norbert-reithofer", "akio-toyoda"}
    supply = deal_with(annotation, "SupplyAgreement", "bmw", "toyota-motor-europe")
    assert supply["roles"] == {"supplier": "bmw", "customer": "toyota-motor-europe"} and str(supply["starts"]) == "2014"


def test_alliance_members_values_and_relative_dates(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, CORPUS, "002_35351c6655a1b446")
    annotation = draft(seeds, "002_35351c6655a1b446", "2018-12")
    [alliance] = annotation["alliances"]
    assert str(alliance["founded"]) == "2016-07"
    members = {d["roles"]["member"]: d for d in annotation["deals"] if d["kind"] == "AllianceMembership"}
    assert {"delphi", "continental", "magna", "fca", "daimler"} <= set(members)
    assert str(members["magna"]["starts"]) == "2017" and "A year later" in members["magna"]["dates_estimated"]
    assert members["daimler"]["status"] == "Rumoured"
    here = deal_with(annotation, "Acquisition", "here")
    assert here["roles"] == {"acquirer": ["bmw", "daimler"], "acquiree": "here"}
    assert here["value"] == {"max": 2710000000, "currency": "USD"}
    merger = deal_with(annotation, "Merger", "daimler", "bmw")
    assert str(merger["signed"]) == "2018-03" and "March this year" in merger["dates_estimated"]
    assert set(merger["parties"]) == {"daimler", "bmw"}  # "Daimler's Car2Go": a unit of its parent
    assert deal_with(annotation, "Cooperation", "volkswagen", "suzuki")["status"] == "Ended"
    stake = deal_with(annotation, "EquityStake", "general-motors", "psa")
    assert stake["roles"] == {"investor": "general-motors", "investee": "psa"} and stake["status"] == "Ended"
    attributions = {q["attribution"] for d in annotation["deals"] for q in d["evidence"]}
    assert {"AnonymousSources", "Speculation", "PressReport"} <= attributions


# --- the invented article: a new firm, relative dates -----------------------------------------------------------


def test_draft_proposes_the_new_firm_and_validates(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    annotation = draft(seeds, EXTRA_DOC, "2019-03-14")
    proposed = load(seeds / "registry" / f"{EXTRA_DOC}.yaml")
    [firm] = proposed["firms"]
    assert firm["id"] == "nordwerk-batteries" and firm["legal_name"] == "Nordwerk Batteries GmbH"
    assert "# check: not in the registry" in (seeds / "registry" / f"{EXTRA_DOC}.yaml").read_text(encoding="utf-8")
    assert validates(seeds)
    supply = deal_with(annotation, "SupplyAgreement", "toyota", "nordwerk-batteries")
    assert supply["roles"] == {"supplier": "nordwerk-batteries", "customer": "toyota"}
    assert str(supply["signed"]) == "2019-03-11" and "Monday" in supply["dates_estimated"]  # "on Monday"
    assert str(supply["starts"]) == "2021"
    assert supply["value"] == {"max": 400000000, "currency": "EUR"}  # "up to 400 million euros"
    stake = deal_with(annotation, "EquityStake", "bmw", "nordwerk-batteries")
    assert stake["status"] == "InTalks" and stake["roles"] == {"investor": "bmw", "investee": "nordwerk-batteries"}
    assert [q["attribution"] for q in stake["evidence"]] == ["AnonymousSources", "Speculation"]


def test_known_firm_needs_no_registry_file(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    shutil.copy2(EXTRA / "registry" / f"{EXTRA_DOC}.yaml", seeds / "registry" / "nordwerk.yaml")
    draft(seeds, EXTRA_DOC, "2019-03-14")
    assert not (seeds / "registry" / f"{EXTRA_DOC}.yaml").exists()
    assert validates(seeds)


def test_every_guess_is_marked_for_review(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    draft(seeds, EXTRA_DOC, "2019-03-14")
    text = (seeds / "annotations" / f"{EXTRA_DOC}.yaml").read_text(encoding="utf-8")
    assert "# check: the draft cannot tell the publisher" in text
    assert "# check: kind SupplyAgreement and status Signed from the wording" in text
    assert "# check: 'The contract is worth up to 400 million euros" in text  # merged into the supply deal


# --- refusing to overwrite -------------------------------------------------------------------------------------


def test_existing_annotation_is_kept_unless_forced(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    annotation = seeds / "annotations" / f"{EXTRA_DOC}.yaml"
    annotation.write_text("# reviewed by hand\n", encoding="utf-8")
    with pytest.raises(KGError, match="already exists; review it, or redraft with --force"):
        draft(seeds, EXTRA_DOC, "2019-03-14")
    assert annotation.read_text(encoding="utf-8") == "# reviewed by hand\n"
    draft(seeds, EXTRA_DOC, "2019-03-14", force=True)
    assert "deals:" in annotation.read_text(encoding="utf-8")
    assert validates(seeds)
    draft(seeds, EXTRA_DOC, "2019-03-14", force=True)  # redrafting replaces its own registry proposals
    assert validates(seeds)


def test_article_must_be_saved_under_documents(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("Toyota and BMW signed an agreement.\n", encoding="utf-8")
    with pytest.raises(KGError, match="must be saved under"):
        draft_document(outside, seeds)
    with pytest.raises(KGError, match="no such article"):
        draft_document(Path("missing.txt"), seeds)
    (seeds / "documents" / "latin1.txt").write_bytes("Citro\xebn".encode("latin-1"))
    with pytest.raises(KGError, match="not UTF-8"):
        draft_document(seeds / "documents" / "latin1.txt", seeds)


# --- rules in data files ---------------------------------------------------------------------------------------


def test_a_seeds_lexicon_extends_the_rules(tmp_path: Path) -> None:
    seeds = empty_seeds(tmp_path)
    (seeds / "documents" / "tieup.txt").write_text("BMW and Toyota announced a tie-up in hydrogen.\n", encoding="utf-8")
    assert "deals" not in draft(seeds, "tieup", "2020-01-10")
    (seeds / "lexicon").mkdir()
    (seeds / "lexicon" / "deals.yaml").write_text(
        "kinds:\n  - kind: Cooperation\n    patterns: ['\\btie-up\\b']\n", encoding="utf-8"
    )
    annotation = draft(seeds, "tieup", "2020-01-10", force=True)
    deal = deal_with(annotation, "Cooperation", "bmw", "toyota")
    hydrogen = domain_names(Paths().ontology, load_rules())["hydrogen"]  # a SKOS label of the domain scheme
    assert deal["status"] == "Announced" and deal["domains"] == [hydrogen]
    assert validates(seeds)


def test_the_two_companies_and_a_repeated_sentence(tmp_path: Path) -> None:
    seeds = empty_seeds(tmp_path)
    text = (
        "BMW met Toyota in Munich.\nThe two companies signed a memorandum of understanding.\n"
        "Volkswagen, Ford and Suzuki met too.\nThe two companies signed a memorandum of understanding.\n"
    )
    (seeds / "documents" / "mou.txt").write_text(text, encoding="utf-8")
    annotation = draft(seeds, "mou", "2020-01-10")
    [mou] = [d for d in annotation["deals"] if d["kind"] == "MemorandumOfUnderstanding"]
    assert set(mou["parties"]) == {"bmw", "toyota"}  # the second one is ambiguous (three firms): not drafted
    assert validates(seeds)
    repeated = "BMW and Toyota signed an agreement.\nBMW and Toyota signed an agreement.\n"
    (seeds / "documents" / "twice.txt").write_text(repeated, encoding="utf-8")
    deal = draft(seeds, "twice", "2020-01-10")["deals"][0]
    assert len(deal["evidence"]) == 2 and all(q.get("prefix") or q.get("suffix") for q in deal["evidence"])
    assert validates(seeds)


# --- relative dates ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "issued", "expected", "reason"),
    [
        ("They met last week.", "2019-03-14", "2019-03", "'last week' in an article of 2019-03-14"),
        ("They met last week.", "2019-03-03", "2019-02", "'last week' in an article of 2019-03-03"),
        ("Earlier this month, BMW confirmed it.", "2012-06-29", "2012-06", "'Earlier this month'"),
        ("Earlier this month, BMW confirmed it.", "2012", "2012", "'Earlier this month'"),  # never finer than issued
        ("In March this year, the units merged.", "2018-12", "2018-03", "'March this year'"),
        ("the cooperation initiated in December last year", "2012-06-29", "2011-12", "'December last year'"),
        ("The deal was signed on Friday.", "2019-03-14", "2019-03-08", "'on Friday': the Friday on or before"),
        ("The deal was signed on Thursday.", "2019-03-14", "2019-03-14", "'on Thursday'"),
        ("follows an agreement in March to", "2012-06-29", "2012-03", "'in March' (no year)"),
        ("follows an agreement in September to", "2012-06-29", "2011-09", "'in September' (no year)"),
        ("It was agreed today.", "2012-06-29", "2012-06-29", "'today'"),
        ("It was agreed today.", "2012-06", "2012-06", "'today'"),
    ],
)
def test_relative_dates_against_issued(sentence: str, issued: str, expected: str, reason: str) -> None:
    finder = DateFinder(load_rules()["dates"], parse_issued(issued))
    [found] = finder.find(sentence, None)
    assert found.date is not None and found.date.isoformat() == expected
    assert found.reason is not None and reason in found.reason


def test_dates_relative_to_the_previous_date_and_absolute_dates() -> None:
    finder = DateFinder(load_rules()["dates"], parse_issued("2018-12"))
    [later] = finder.find("A year later, the alliance joined Delphi.", PartialDate(2016, 7))
    assert later.date == PartialDate(2017) and "than 2016-07" in later.reason
    dates = finder.find("In March 2012 they agreed; on June 29, 2012 they signed; supply from 2014.", None)
    assert [(d.date.isoformat(), d.reason) for d in dates] == [("2012-03", None), ("2012-06-29", None), ("2014", None)]
    assert finder.find("secretly since the 1990s", None) == []


def test_relative_dates_without_issued_are_left_unresolved() -> None:
    finder = DateFinder(load_rules()["dates"], None)
    [found] = finder.find("They met last week.", None)
    assert found.date is None and "--issued" in found.reason
    [weekday] = DateFinder(load_rules()["dates"], parse_issued("2019-03")).find("signed on Monday", None)
    assert weekday.date is None and "YYYY-MM-DD" in weekday.reason


@pytest.mark.parametrize("bad", ["2012-13", "2012-02-30", "March 2012", "12"])
def test_bad_issued_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_issued(bad)


# --- the command ------------------------------------------------------------------------------------------------


def test_cli_draft_then_validate(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path, EXTRA, EXTRA_DOC)
    runner = CliRunner()
    doc = str(seeds / "documents" / f"{EXTRA_DOC}.txt")
    result = runner.invoke(main, ["draft", "--seeds", str(seeds), doc, "--issued", "2019-03-14"])
    assert result.exit_code == 0, result.output
    assert "deal(s)" in result.output and f"registry/{EXTRA_DOC}.yaml" in result.output
    assert runner.invoke(main, ["validate", "-q", "--seeds", str(seeds)]).exit_code == 0
    again = runner.invoke(main, ["draft", "--seeds", str(seeds), doc])
    assert again.exit_code == 2 and "already exists" in again.output
    assert runner.invoke(main, ["draft", "--seeds", str(seeds), doc, "--force"]).exit_code == 0
    bad = runner.invoke(main, ["draft", "--seeds", str(seeds), doc, "--force", "--issued", "2019-02-30"])
    assert bad.exit_code == 2 and "--issued" in bad.output
    # a bare name is looked up under <seeds>/documents/
    named = runner.invoke(main, ["draft", "--seeds", str(seeds), f"{EXTRA_DOC}.txt", "--force"])
    assert named.exit_code == 0, named.output


def test_products_and_new_people(tmp_path: Path) -> None:
    seeds = empty_seeds(tmp_path)
    text = (
        "Currently, BMW is working with Toyota to produce the Z4 and Supra sports cars.\n"
        "Toyota and Nordwerk Batteries GmbH signed a supply agreement under which Nordwerk will supply cells "
        'to Toyota.\n"We are proud," said Hans Maier, chief executive of Nordwerk Batteries GmbH.\n'
    )
    (seeds / "documents" / "people.txt").write_text(text, encoding="utf-8")
    with pytest.raises(KGError, match="registry file that no draft wrote has the document's name"):
        draft(seeds, "people", "2020-01-10", force=True)  # never over registry/people.yaml
    assert "norbert-reithofer" in (seeds / "registry" / "people.yaml").read_text(encoding="utf-8")
    (seeds / "documents" / "people.txt").rename(seeds / "documents" / "maier.txt")
    annotation = draft(seeds, "maier", "2020-01-10")
    cars = deal_with(annotation, "Cooperation", "bmw", "toyota")
    assert set(cars["products"]) == {"bmw-z4", "toyota-supra"}  # "Z4": the product without its maker's name
    proposed = load(seeds / "registry" / "maier.yaml")
    assert [p["id"] for p in proposed["firms"]] == ["nordwerk-batteries"]
    [person] = proposed["people"]
    assert person["label"] == "Hans Maier" and person["affiliation"] == "nordwerk-batteries"
    assert person["title"].lower() == "chief executive"
    assert validates(seeds)
