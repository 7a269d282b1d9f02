"""The ontology loads in owlready2, HermiT finds it consistent, and the technology domains are well formed."""

from __future__ import annotations

from pathlib import Path

import owlready2
import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.iris import ONTOLOGY_IRI, domain
from kg.ontology import load_ontology
from kg.reasoning import check_consistency
from kg.vocab import AA

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"

#: slug -> its broader slugs, exactly as annotators use them.
DOMAINS: dict[str, set[str]] = {
    "powertrain": set(),
    "powertrain-electrification": {"powertrain"},
    "batteries": {"powertrain-electrification"},
    "battery-cells": {"batteries"},
    "fuel-cells": {"powertrain-electrification"},
    "hydrogen": {"powertrain"},
    "ev-charging": {"powertrain-electrification"},
    "hybrid-drives": {"powertrain-electrification"},
    "electric-vehicle-platforms": {"powertrain-electrification", "vehicle-architecture"},
    "combustion-engines": {"powertrain"},
    "diesel-engines": {"combustion-engines"},
    "vehicle-architecture": set(),
    "sports-car-architecture": {"vehicle-architecture"},
    "small-car-platforms": {"vehicle-architecture"},
    "lightweight-technologies": set(),
    "automated-driving": set(),
    "driver-assistance": {"automated-driving"},
    "automated-parking": {"automated-driving"},
    "connected-vehicle": set(),
    "digital-maps": {"connected-vehicle"},
    "mobility-services": set(),
    "car-sharing": {"mobility-services"},
    "ride-hailing": {"mobility-services"},
    "parking-services": {"mobility-services"},
    "manufacturing": set(),
    "joint-production": {"manufacturing"},
    "procurement": {"manufacturing"},
    "key-components": {"manufacturing"},
    "commercial-vehicles": set(),
    "vehicle-engineering": set(),
}


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ONTOLOGY_DIR)


def test_hermit_finds_the_ontology_consistent() -> None:
    check_consistency(Graph(), ONTOLOGY_DIR)


def test_owlready2_loads_classes_and_properties(tmp_path: Path) -> None:
    source = tmp_path / "ontology.nt"
    source.write_bytes(load_ontology(ONTOLOGY_DIR).serialize(format="nt", encoding="utf-8"))
    world = owlready2.World()
    try:
        world.get_ontology(source.as_uri()).load()
        assert world[str(AA.Deal)] in world[str(AA.MemorandumOfUnderstanding)].ancestors()
        assert owlready2.SymmetricProperty in world[str(AA.partnerOf)].is_a
        assert world[str(AA.party)] in world[str(AA.acquirer)].is_a
        assert any(world[str(AA.Firm)] in d.entities for d in world[str(AA.Person)].disjoints())
    finally:
        world.close()


def test_ontology_metadata(ontology: Graph) -> None:
    from rdflib.namespace import DCTERMS

    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, OWL.versionInfo):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    assert str(ontology.value(ONTOLOGY_IRI, URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix"))) == "aa"


def test_every_class_and_property_has_label_and_comment(ontology: Graph) -> None:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    terms = {s for k in kinds for s in ontology.subjects(RDF.type, k) if str(s).startswith(str(AA._NS))}
    assert len(terms) > 60
    missing = sorted(
        t for t in terms if ontology.value(t, RDFS.label) is None or ontology.value(t, RDFS.comment) is None
    )
    assert missing == []


def test_key_alignments(ontology: Graph) -> None:
    org = "http://www.w3.org/ns/org#"
    assert (AA.Firm, RDFS.subClassOf, URIRef(org + "FormalOrganization")) in ontology
    assert (AA.Firm, RDFS.subClassOf, URIRef("https://schema.org/Corporation")) in ontology
    assert (AA.Alliance, RDFS.subClassOf, URIRef(org + "OrganizationalCollaboration")) in ontology
    assert (AA.Acquisition, RDFS.subClassOf, URIRef(org + "ChangeEvent")) in ontology
    assert (AA.Evidence, RDFS.subClassOf, URIRef("http://www.w3.org/ns/oa#SpecificResource")) in ontology
    assert (AA.subsidiaryOf, RDFS.subPropertyOf, URIRef(org + "subOrganizationOf")) in ontology
    assert (AA.partnerOf, RDF.type, OWL.SymmetricProperty) in ontology
    fibo = "https://spec.edmcouncil.org/fibo/ontology/FND/Agreements/"
    assert (AA.MemorandumOfUnderstanding, RDFS.subClassOf, URIRef(fibo + "Agreements/Agreement")) in ontology
    assert (AA.SupplyAgreement, RDFS.subClassOf, URIRef(fibo + "Contracts/Contract")) in ontology
    for role in ("supplier", "customer", "acquirer", "acquiree", "seller", "investor", "investee", "member"):
        assert (AA[role], RDFS.subPropertyOf, AA.party) in ontology
    for kind in ("Cooperation", "MemorandumOfUnderstanding", "AllianceMembership", "Collusion"):
        assert (AA[kind], RDFS.subClassOf, AA.Deal) in ontology


@pytest.mark.parametrize(
    ("scheme", "cls", "concepts"),
    [
        (AA.DealStatuses, AA.DealStatus, ("Rumoured", "InTalks", "Announced", "Signed", "Completed", "Ended")),
        (AA.InvestigationStatuses, AA.InvestigationStatus, ("Open", "Cleared", "Closed")),
        (AA.FirmKinds, AA.FirmKind, ("Automaker", "Supplier", "TechnologyFirm", "MobilityService")),
        (AA.ProductKinds, AA.ProductKind, ("Vehicle", "Engine", "Platform", "Component", "Service")),
    ],
)
def test_concept_schemes(ontology: Graph, scheme: URIRef, cls: URIRef, concepts: tuple[str, ...]) -> None:
    assert (scheme, RDF.type, SKOS.ConceptScheme) in ontology
    members = set(ontology.subjects(SKOS.inScheme, scheme))
    assert members == {AA[c] for c in concepts}
    for concept in members:
        assert (concept, RDF.type, cls) in ontology
        assert (concept, SKOS.topConceptOf, scheme) in ontology
        assert ontology.value(concept, SKOS.prefLabel) is not None
        assert ontology.value(concept, SKOS.definition) is not None


def test_exactly_the_listed_domains_exist(ontology: Graph) -> None:
    found = set(ontology.subjects(RDF.type, AA.TechnologyDomain))
    assert found == {domain(slug) for slug in DOMAINS}


@pytest.mark.parametrize("slug", sorted(DOMAINS))
def test_domain_concept(ontology: Graph, slug: str) -> None:
    concept = domain(slug)
    assert (concept, RDF.type, SKOS.Concept) in ontology
    assert (concept, SKOS.inScheme, AA.TechnologyDomains) in ontology
    assert isinstance(ontology.value(concept, SKOS.prefLabel), Literal)
    assert isinstance(ontology.value(concept, SKOS.definition), Literal)
    assert set(ontology.objects(concept, SKOS.broader)) == {domain(b) for b in DOMAINS[slug]}
    is_top = (concept, SKOS.topConceptOf, AA.TechnologyDomains) in ontology
    assert is_top == (not DOMAINS[slug])
    assert is_top == ((AA.TechnologyDomains, SKOS.hasTopConcept, concept) in ontology)


def test_batteries_and_fuel_cells_are_under_powertrain_electrification(ontology: Graph) -> None:
    parent = domain("powertrain-electrification")
    for slug in ("batteries", "fuel-cells"):
        assert (domain(slug), SKOS.broader, parent) in ontology
        assert (parent, SKOS.narrower, domain(slug)) in ontology
    # "batteries" is not "lithium-ion battery cells": a text that says only batteries is filed under batteries
    assert (domain("battery-cells"), SKOS.broader, domain("batteries")) in ontology
    assert "batteries" not in {str(o) for o in ontology.objects(domain("battery-cells"), SKOS.altLabel)}


def test_broader_and_narrower_are_symmetric(ontology: Graph) -> None:
    broader = set(ontology.subject_objects(SKOS.broader))
    narrower_inverted = {(b, a) for a, b in ontology.subject_objects(SKOS.narrower)}
    assert broader == narrower_inverted


def test_article_wordings_are_alt_labels(ontology: Graph) -> None:
    alt = {str(o) for o in ontology.objects(None, SKOS.altLabel)}
    assert {
        "electrification",
        "taxi",
        "key auto parts",
        "self-driving",
        "hydrogen-powered vehicles",
        "charging",
        "ADAS",
        "automated valet parking",
    } <= alt


def test_every_concept_has_an_rdfs_label_equal_to_its_preferred_label(ontology: Graph) -> None:
    """Tools that read only rdfs:label (Protege, most linked-data browsers) must show names, not IRIs."""
    concepts = set(ontology.subjects(RDF.type, SKOS.Concept)) | set(ontology.subjects(RDF.type, SKOS.ConceptScheme))
    assert len(concepts) > 40
    for concept in concepts:
        pref = {(str(o), o.language) for o in ontology.objects(concept, SKOS.prefLabel)}
        label = {(str(o), o.language) for o in ontology.objects(concept, RDFS.label)}
        assert pref and pref <= label, f"{concept}: rdfs:label {label} lacks skos:prefLabel {pref}"


def test_no_wording_is_the_label_of_two_domains(ontology: Graph) -> None:
    """An annotator who looks up a wording finds one domain."""
    owner: dict[str, URIRef] = {}
    for concept in ontology.subjects(RDF.type, AA.TechnologyDomain):
        for label in [*ontology.objects(concept, SKOS.prefLabel), *ontology.objects(concept, SKOS.altLabel)]:
            key = str(label).lower()
            assert owner.setdefault(key, concept) == concept, f"'{label}' names {owner[key]} and {concept}"
