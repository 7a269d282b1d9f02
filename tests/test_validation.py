"""SHACL validation: a conforming deal passes; each fixture of tests/data/shapes/ gives its own finding."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset, Graph, URIRef

from kg.errors import ValidationFailed
from kg.ontology import load_ontology
from kg.validation import Finding, Shapes, validate_dataset

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
FIXTURES = Path(__file__).resolve().parent / "data" / "shapes"


def _load(*names: str) -> Graph:
    graph = Graph()
    for name in ("context.ttl", *names):
        graph.parse(FIXTURES / name)
    return graph


def test_conforming_deal_passes() -> None:
    report = validate_dataset(_load("valid-deal.ttl"), ONTOLOGY_DIR)
    assert report.conforms, "\n".join(report.lines())
    assert report.results == []
    assert report.lines() == []


def test_a_dataset_is_validated_as_its_union() -> None:
    dataset = Dataset()
    dataset.graph(URIRef("https://w3id.org/autoalliance/graph/registry")).parse(FIXTURES / "context.ttl")
    dataset.graph(URIRef("https://w3id.org/autoalliance/graph/doc/d1")).parse(FIXTURES / "valid-deal.ttl")
    assert validate_dataset(dataset, ONTOLOGY_DIR).conforms


def test_validation_does_not_change_the_data() -> None:
    graph = _load("missing-status.ttl")
    before = len(graph)
    validate_dataset(graph, ONTOLOGY_DIR)
    assert len(graph) == before


# fixture -> how a line of the report starts (focus, label, path, message, the value when there is one)
CASES = {
    "missing-status.ttl": 'deal:x ("BMW–Toyota talks"): aa:status: a deal needs exactly one status from '
    "aa:DealStatuses",
    "two-statuses.ttl": 'deal:x ("BMW–Toyota talks"): aa:status: a deal needs exactly one status from aa:DealStatuses',
    "status-outside-scheme.ttl": 'deal:x ("BMW–Toyota talks"): aa:status: a deal\'s status must be one of '
    "aa:DealStatuses: Rumoured, InTalks, Announced, Signed, Completed, Ended (value: aa:Open)",
    "one-party.ttl": 'deal:x ("BMW alone"): aa:party or a role: a deal needs at least two distinct parties '
    "(aa:party or a role); only an alliance membership or a divestment may have one",
    "acquisition-without-acquiree.ttl": 'deal:x ("BMW and Toyota buy something"): aa:acquiree: an acquisition '
    "needs at least one aa:acquiree (the firm or business bought)",
    "date-as-datetime.ttl": 'deal:x ("BMW–Toyota MoU"): aa:signedOn: a deal has at most one signing date, an '
    "xsd:date, xsd:gYearMonth or xsd:gYear (the datatype carries the precision) "
    '(value: "2012-06-29T00:00:00"^^xsd:dateTime)',
    "date-as-string.ttl": 'deal:x ("BMW–Toyota MoU"): aa:announcedOn: a deal has at most one announcement '
    "date, an xsd:date, xsd:gYearMonth or xsd:gYear (the datatype carries the precision) "
    '(value: "2012-06")',
    "evidence-start-not-before-end.ttl": "doc:d1/evidence/60-60/position: oa:start: a quote's start offset "
    'must be less than its end offset (value: "60"',
    "evidence-without-quote.ttl": "doc:d1/evidence/0-6: oa:hasSelector/oa:exact: evidence needs exactly one "
    "non-empty quote (oa:exact)",
    "bad-wikidata-iri.ttl": 'firm:daimler ("Daimler"): owl:sameAs: a firm links to Wikidata only, with an '
    "entity IRI http://www.wikidata.org/entity/Q<number> (value: <https://www.wikidata.org/wiki/Q27530>)",
    "estimated-date-without-reason.ttl": "doc:d2: aa:dateEstimateReason: an estimated date needs its reason "
    "(aa:dateEstimateReason)",
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_each_violation_is_reported_readably(fixture: str) -> None:
    report = validate_dataset(_load(fixture), ONTOLOGY_DIR)
    assert not report.conforms
    assert any(line.startswith(CASES[fixture]) for line in report.lines()), "\n".join(report.lines())
    assert all(f.severity == "Violation" for f in report.results)


def test_finding_fields() -> None:
    report = validate_dataset(_load("status-outside-scheme.ttl"), ONTOLOGY_DIR)
    (finding,) = report.results
    assert finding == Finding(
        focus="https://w3id.org/autoalliance/id/deal/x",
        label="BMW–Toyota talks",
        path="aa:status",
        value="aa:Open",
        message="a deal's status must be one of aa:DealStatuses: Rumoured, InTalks, Announced, Signed, "
        "Completed, Ended",
    )


def test_only_the_broken_deal_is_reported() -> None:
    report = validate_dataset(_load("valid-deal.ttl", "missing-status.ttl"), ONTOLOGY_DIR)
    assert {f.focus for f in report.results} == {"https://w3id.org/autoalliance/id/deal/x"}


def test_evidence_without_quote_also_lacks_its_quote_selector() -> None:
    lines = validate_dataset(_load("evidence-without-quote.ttl"), ONTOLOGY_DIR).lines()
    assert (
        "doc:d1/evidence/0-6: oa:hasSelector: evidence needs two selectors: an oa:TextQuoteSelector (the quote) "
        "and an oa:TextPositionSelector (the offsets)"
    ) in lines
    quote = "doc:d1/evidence/0-6: oa:hasSelector/oa:exact: evidence needs exactly one non-empty quote (oa:exact)"
    assert quote in lines


def test_evidence_without_offsets() -> None:
    graph = _load()
    graph.parse(
        data="""
        @prefix aa: <https://w3id.org/autoalliance/ontology#> .
        @prefix oa: <http://www.w3.org/ns/oa#> .
        <https://w3id.org/autoalliance/id/document/d1/evidence/0-6> a aa:Evidence ;
            oa:hasSource <https://w3id.org/autoalliance/id/document/d1> ; aa:attribution aa:PressReport ;
            oa:hasSelector <https://w3id.org/autoalliance/id/document/d1/evidence/0-6/quote> .
        <https://w3id.org/autoalliance/id/document/d1/evidence/0-6/quote> a oa:TextQuoteSelector ; oa:exact "Toyota" .
        """,
        format="turtle",
    )
    lines = validate_dataset(graph, ONTOLOGY_DIR).lines()
    assert any(
        line.startswith(
            "doc:d1/evidence/0-6: oa:hasSelector/oa:start: evidence needs exactly one oa:TextPositionSelector"
        )
        for line in lines
    ), lines
    assert any("oa:hasSelector/oa:end" in line for line in lines), lines


def test_divestment_and_alliance_membership_need_one_party_only() -> None:
    graph = _load()
    graph.parse(
        data="""
        @prefix aa: <https://w3id.org/autoalliance/ontology#> .
        @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        @prefix d: <https://w3id.org/autoalliance/id/deal/> .
        @prefix a: <https://w3id.org/autoalliance/id/alliance/> .
        @prefix f: <https://w3id.org/autoalliance/id/firm/> .
        @prefix e: <https://w3id.org/autoalliance/id/document/d1/evidence/> .
        d:sale a aa:Divestment ; rdfs:label "BMW sells a stake" ; aa:status aa:Completed ;
            aa:seller f:bmw ; aa:evidence e:10-60 .
        d:join a aa:AllianceMembership ; rdfs:label "Toyota joins" ; aa:status aa:Signed ;
            aa:member f:toyota ; aa:alliance a:platform ; aa:evidence e:10-60 .
        a:platform a aa:Alliance ; rdfs:label "Platform" ; aa:evidence e:10-60 .
        """,
        format="turtle",
    )
    report = validate_dataset(graph, ONTOLOGY_DIR)
    assert report.conforms, "\n".join(report.lines())


def test_a_broken_run_raises(tmp_path: Path) -> None:
    (tmp_path / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(ValidationFailed):
        validate_dataset(Graph(), tmp_path)


def test_prepared_shapes_give_every_fixture_the_findings_of_a_fresh_run() -> None:
    """``Shapes`` keeps pySHACL's answers about the shapes graph between runs: reusing them for graph after
    graph, in any order, must find exactly what a fresh validation finds."""
    shapes = Shapes(ONTOLOGY_DIR)
    names = sorted(p.name for p in FIXTURES.glob("*.ttl") if p.name != "context.ttl")
    for name in [*names, *reversed(names)]:
        fresh = validate_dataset(_load(name), ONTOLOGY_DIR).results
        data = _load(name)
        data += load_ontology(ONTOLOGY_DIR)
        assert shapes.validate(data).results == fresh, name
    assert any(validate_dataset(_load(n), ONTOLOGY_DIR).results for n in names)
