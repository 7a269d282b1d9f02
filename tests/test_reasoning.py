"""Reasoning: HermiT catches disjointness mistakes; each inference rule derives what it should, and no more."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.errors import ReasoningError
from kg.iris import GRAPH, GRAPH_INFERRED, GRAPH_ONTOLOGY, alliance, deal, domain, firm
from kg.ontology import load_ontology
from kg.reasoning import (
    RULES,
    ReasonerOntology,
    check_consistency,
    find_clashes,
    hermit_run,
    infer,
    infer_in_store,
    reasoner_data,
    reasoner_input,
)
from kg.units import graph_nquads
from kg.vocab import AA

ROOT = Path(__file__).resolve().parent.parent
ONTOLOGY_DIR = ROOT / "ontology"
SHAPES_FIXTURES = Path(__file__).resolve().parent / "data" / "shapes"

PREFIXES = """
@prefix aa: <https://w3id.org/autoalliance/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix firm: <https://w3id.org/autoalliance/id/firm/> .
@prefix person: <https://w3id.org/autoalliance/id/person/> .
@prefix deal: <https://w3id.org/autoalliance/id/deal/> .
@prefix alliance: <https://w3id.org/autoalliance/id/alliance/> .
@prefix domain: <https://w3id.org/autoalliance/id/domain/> .
"""


def turtle(text: str) -> Graph:
    return Graph().parse(data=PREFIXES + text, format="turtle")


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ONTOLOGY_DIR)


# Consistency ---------------------------------------------------------------------------------------------------


def test_consistent_data_passes() -> None:
    graph = Graph()
    for name in ("context.ttl", "valid-deal.ttl"):
        graph.parse(SHAPES_FIXTURES / name)
    check_consistency(graph, ONTOLOGY_DIR)


def test_a_firm_that_is_also_a_person_is_inconsistent() -> None:
    graph = turtle("firm:bmw a aa:Firm, aa:Person ; rdfs:label 'BMW' .")
    with pytest.raises(ReasoningError) as error:
        check_consistency(graph, ONTOLOGY_DIR)
    assert "firm:bmw is both aa:Firm (typed aa:Firm) and aa:Person (typed aa:Person)" in str(error.value)


def test_a_deal_used_as_a_party_is_inconsistent() -> None:
    graph = turtle(
        """
        firm:bmw a aa:Firm . firm:toyota a aa:Firm .
        deal:mou a aa:MemorandumOfUnderstanding ; aa:party firm:bmw, firm:toyota .
        deal:supply a aa:SupplyAgreement ; aa:supplier firm:bmw ; aa:customer deal:mou .
        """
    )
    with pytest.raises(ReasoningError) as error:
        check_consistency(graph, ONTOLOGY_DIR)
    message = str(error.value)
    assert "deal:mou is both aa:Deal" in message
    assert "aa:Firm (as aa:customer of deal:supply" in message


def test_a_person_signing_for_a_firm_is_consistent() -> None:
    graph = turtle(
        """
        firm:bmw a aa:Firm . person:p a aa:Person ; aa:affiliation firm:bmw .
        deal:mou a aa:Cooperation ; aa:party firm:bmw ; aa:signatory person:p ;
            aa:signedOn "2012-06"^^xsd:gYearMonth ; aa:startsOn "2014"^^xsd:gYear .
        """
    )
    check_consistency(graph, ONTOLOGY_DIR)


def test_reasoner_input_drops_literals_and_keeps_types_and_links(ontology: Graph) -> None:
    graph = turtle('deal:d a aa:Cooperation ; aa:party firm:bmw ; aa:signedOn "2012-06"^^xsd:gYearMonth .')
    pushed = reasoner_input(graph, ontology)
    assert (deal("d"), RDF.type, AA.Cooperation) in pushed
    assert (deal("d"), AA.party, firm("bmw")) in pushed
    assert (deal("d"), AA.signedOn, None) not in pushed


def test_reasoner_data_leaves_out_quotes_literals_and_annotations(ontology: Graph) -> None:
    graph = turtle(
        """
        @prefix oa: <http://www.w3.org/ns/oa#> .
        deal:d a aa:Cooperation ; aa:party firm:bmw ; rdfs:label "d" ; aa:evidence <urn:x:e1> .
        <urn:x:e1> a aa:Evidence ; oa:hasSource <urn:x:doc> ; oa:hasSelector <urn:x:s1> .
        <urn:x:s1> a oa:TextQuoteSelector .
        """
    )
    kept = reasoner_data(
        graph.serialize(format="nt", encoding="utf-8"), ReasonerOntology.of(ontology), ox.RdfFormat.N_TRIPLES
    ).decode("utf-8")
    assert f"<{deal('d')}> <{AA.party}> <{firm('bmw')}> ." in kept
    assert f"<{deal('d')}> <{RDF.type}> <{AA.Cooperation}> ." in kept
    assert "urn:x:e1" not in kept and "urn:x:s1" not in kept and '"d"' not in kept


def test_hermit_on_prepared_data_finds_a_clash_and_explains_it(ontology: Graph) -> None:
    prepared = ReasonerOntology.of(ontology)
    clean = turtle("deal:mou a aa:MemorandumOfUnderstanding ; aa:party firm:bmw . firm:bmw a aa:Firm .")
    bad = turtle("deal:supply a aa:SupplyAgreement ; aa:supplier firm:bmw ; aa:customer deal:mou .")
    data = [
        reasoner_data(g.serialize(format="nt", encoding="utf-8"), prepared, ox.RdfFormat.N_TRIPLES)
        for g in (clean, bad)
    ]
    hermit_run(prepared, data[:1])
    with pytest.raises(ReasoningError) as error:
        hermit_run(prepared, data)
    assert "deal:mou is both aa:Deal" in str(error.value)


# Inference rules -----------------------------------------------------------------------------------------------


def test_rules_are_named_and_documented() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    assert all(rule.doc and rule.construct.lstrip().startswith("CONSTRUCT") for rule in RULES)


def test_every_rule_is_documented_verbatim() -> None:
    text = (ROOT / "docs" / "inference.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert f"## `{rule.name}`" in text
        assert rule.construct.strip() in text, f"docs/inference.md is out of date for {rule.name}"


def partners(inferred: Graph) -> set[tuple[str, str]]:
    return {(str(a).rsplit("/", 1)[1], str(b).rsplit("/", 1)[1]) for a, b in inferred.subject_objects(AA.partnerOf)}


def test_parties_of_a_signed_deal_are_partners_both_ways(ontology: Graph) -> None:
    inferred = infer(turtle("deal:d a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:a, firm:b ."), ontology)
    assert partners(inferred) == {("a", "b"), ("b", "a")}


@pytest.mark.parametrize("status", ["Announced", "Completed"])
def test_announced_and_completed_deals_make_partners(ontology: Graph, status: str) -> None:
    inferred = infer(turtle(f"deal:d a aa:Cooperation ; aa:status aa:{status} ; aa:party firm:a, firm:b ."), ontology)
    assert partners(inferred) == {("a", "b"), ("b", "a")}


@pytest.mark.parametrize("status", ["Rumoured", "InTalks", "Ended"])
def test_no_partners_from_rumours_talks_or_ended_deals(ontology: Graph, status: str) -> None:
    inferred = infer(turtle(f"deal:d a aa:Cooperation ; aa:status aa:{status} ; aa:party firm:a, firm:b ."), ontology)
    assert partners(inferred) == set()


def test_co_acquirers_are_partners_but_not_with_the_acquiree_or_the_seller(ontology: Graph) -> None:
    data = turtle(
        """
        deal:here a aa:Acquisition ; aa:status aa:Completed ;
            aa:acquirer firm:audi, firm:bmw, firm:daimler ; aa:acquiree firm:here ; aa:seller firm:nokia .
        """
    )
    found = partners(infer(data, ontology))
    acquirers = {"audi", "bmw", "daimler"}
    assert {(a, b) for a in acquirers for b in acquirers if a != b} <= found
    assert not any("here" in pair or "nokia" in pair for pair in found)


def test_an_acquirer_and_its_acquiree_are_not_partners(ontology: Graph) -> None:
    data = turtle("deal:d a aa:Acquisition ; aa:status aa:Completed ; aa:acquirer firm:a ; aa:acquiree firm:b .")
    assert partners(infer(data, ontology)) == set()


def test_asserted_partnerships_are_made_symmetric(ontology: Graph) -> None:
    inferred = infer(turtle("firm:a aa:partnerOf firm:b ."), ontology)
    assert set(inferred) == {(firm("b"), AA.partnerOf, firm("a"))}


def test_roles_imply_party(ontology: Graph) -> None:
    inferred = infer(
        turtle("deal:s a aa:SupplyAgreement ; aa:status aa:Signed ; aa:supplier firm:bmw ; aa:customer firm:tme ."),
        ontology,
    )
    assert {(deal("s"), AA.party, firm("bmw")), (deal("s"), AA.party, firm("tme"))} <= set(inferred)
    assert partners(inferred) == {("bmw", "tme"), ("tme", "bmw")}


def test_type_closure_along_subclasses(ontology: Graph) -> None:
    inferred = infer(turtle("deal:m a aa:MemorandumOfUnderstanding ."), ontology)
    assert (deal("m"), RDF.type, AA.Deal) in inferred
    assert not any(str(o).startswith("https://spec.edmcouncil.org/") for o in inferred.objects(deal("m"), RDF.type))


def test_domain_closure_through_two_broader_levels(ontology: Graph) -> None:
    inferred = infer(turtle("deal:d a aa:Cooperation ; aa:domain domain:fuel-cells ."), ontology)
    assert set(inferred.objects(deal("d"), AA.domain)) == {
        domain("powertrain-electrification"),
        domain("powertrain"),
    }


def test_domain_closure_through_a_concept_with_two_broaders(ontology: Graph) -> None:
    inferred = infer(turtle("alliance:x a aa:Alliance ; aa:domain domain:electric-vehicle-platforms ."), ontology)
    assert set(inferred.objects(alliance("x"), AA.domain)) == {
        domain("powertrain-electrification"),
        domain("powertrain"),
        domain("vehicle-architecture"),
    }


def test_alliance_founders_and_members_are_partners(ontology: Graph) -> None:
    data = turtle(
        """
        deal:found a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:bmw, firm:intel ;
            aa:establishes alliance:adp .
        deal:join a aa:AllianceMembership ; aa:status aa:Signed ; aa:member firm:fca ; aa:alliance alliance:adp .
        deal:talks a aa:AllianceMembership ; aa:status aa:InTalks ; aa:member firm:vw ; aa:alliance alliance:adp .
        """
    )
    found = partners(infer(data, ontology))
    assert {("fca", "bmw"), ("bmw", "fca"), ("fca", "intel"), ("intel", "fca")} <= found
    assert not any("vw" in pair for pair in found)


def test_only_triples_not_asserted_are_returned(ontology: Graph) -> None:
    data = turtle(
        """
        deal:d a aa:Cooperation, aa:Deal ; aa:status aa:Signed ; aa:party firm:a, firm:b ;
            aa:domain domain:fuel-cells, domain:powertrain .
        firm:a aa:partnerOf firm:b .
        """
    )
    inferred = infer(data, ontology)
    assert not set(inferred) & set(data)
    assert set(inferred) == {
        (firm("b"), AA.partnerOf, firm("a")),
        (deal("d"), AA.domain, domain("powertrain-electrification")),
    }


def test_inference_is_deterministic_and_leaves_inputs_alone(ontology: Graph) -> None:
    data = turtle("deal:d a aa:Acquisition ; aa:status aa:Completed ; aa:acquirer firm:a ; aa:acquiree firm:b .")
    before = len(data), len(ontology)
    first = infer(data, ontology).serialize(format="nt")
    second = infer(data, ontology).serialize(format="nt")
    assert sorted(first.splitlines()) == sorted(second.splitlines())
    assert (len(data), len(ontology)) == before


def _store_of(graphs: dict[str, Graph]) -> ox.Store:
    store = ox.Store()
    for name, graph in graphs.items():
        store.bulk_extend(ox.parse(graph_nquads(graph, URIRef(name)), format=ox.RdfFormat.N_QUADS))
    return store


def _inferred(store: ox.Store) -> set[str]:
    return {str(q) for q in store.quads_for_pattern(None, None, None, ox.NamedNode(str(GRAPH_INFERRED)))}


def test_inference_after_a_change_equals_a_run_from_scratch(ontology: Graph) -> None:
    """Rerunning the per-node rules for the nodes of a changed graph, and the rules across nodes for every
    node, gives what a run over the new graphs from scratch gives (partners that lose their only deal,
    partners still supported by another deal, a changed kind and domain)."""
    doc_a, doc_b = f"{GRAPH}doc/a", f"{GRAPH}doc/b"
    before = {
        str(GRAPH_ONTOLOGY): ontology,
        doc_a: turtle(
            "deal:d1 a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:a, firm:b, firm:c ;"
            " aa:domain domain:fuel-cells ."
        ),
        doc_b: turtle("deal:d2 a aa:SupplyAgreement ; aa:status aa:Signed ; aa:supplier firm:a ; aa:customer firm:b ."),
    }
    changed = turtle(
        "deal:d1 a aa:JointVenture ; aa:status aa:Rumoured ; aa:party firm:a, firm:c ; aa:domain domain:batteries ."
    )
    store = _store_of(before)
    infer_in_store(store, str(GRAPH_INFERRED))
    first = _inferred(store)
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(doc_a))}
    store.remove_graph(ox.NamedNode(doc_a))
    store.bulk_extend(ox.parse(graph_nquads(changed, URIRef(doc_a)), format=ox.RdfFormat.N_QUADS))
    subjects |= {q.subject for q in store.quads_for_pattern(None, None, None, ox.NamedNode(doc_a))}
    count, derived = infer_in_store(store, str(GRAPH_INFERRED), {s for s in subjects if isinstance(s, ox.NamedNode)})

    scratch = _store_of({**before, doc_a: changed})
    expected, _ = infer_in_store(scratch, str(GRAPH_INFERRED))
    assert _inferred(store) == _inferred(scratch)
    assert count == expected
    assert {str(q) for q in derived} == _inferred(store) - first
    partners_now = {str(q) for q in store.quads_for_pattern(None, ox.NamedNode(str(AA.partnerOf)), None, None)}
    assert any("firm/a" in p and "firm/b" in p for p in partners_now)  # still partners through deal:d2
    assert not any("firm/c" in p for p in partners_now)  # d1 is only rumoured now


def test_clashes_can_be_looked_for_at_some_nodes_only(ontology: Graph) -> None:
    store = _store_of(
        {
            str(GRAPH_ONTOLOGY): ontology,
            f"{GRAPH}doc/a": turtle("firm:x a aa:Firm . deal:d a aa:Cooperation ; aa:signatory firm:x ."),
        }
    )
    assert any(c.startswith("firm:x is") for c in find_clashes(store, ontology))
    assert any(c.startswith("firm:x is") for c in find_clashes(store, ontology, {ox.NamedNode(str(firm("x")))}))
    assert find_clashes(store, ontology, {ox.NamedNode(str(deal("d")))}) == []
    assert find_clashes(store, ontology, set()) == []


def _rerun(ontology: Graph, before: dict[str, Graph], after: dict[str, Graph]) -> tuple[ox.Store, set[str]]:
    """Infer over ``before``, replace the graphs that differ in ``after`` as an incremental build does (the
    subjects and every IRI of their old and new triples), infer again; returns the store and the derived triples."""
    store = _store_of({str(GRAPH_ONTOLOGY): ontology, **before})
    infer_in_store(store, str(GRAPH_INFERRED))
    first = _inferred(store)
    subjects: set[ox.NamedNode] = set()
    terms: set[ox.NamedNode] = set()

    def note(name: str) -> None:
        for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name)):
            subjects.update(t for t in (q.subject,) if isinstance(t, ox.NamedNode))
            terms.update(t for t in (q.subject, q.object) if isinstance(t, ox.NamedNode))

    for name in sorted(set(before) | set(after)):
        if name in after and name in before and after[name] == before[name]:
            continue
        note(name)
        store.remove_graph(ox.NamedNode(name))
        if name in after:
            store.bulk_extend(ox.parse(graph_nquads(after[name], URIRef(name)), format=ox.RdfFormat.N_QUADS))
            note(name)
    count, derived = infer_in_store(store, str(GRAPH_INFERRED), subjects, terms)
    scratch = _store_of({str(GRAPH_ONTOLOGY): ontology, **after})
    expected, _ = infer_in_store(scratch, str(GRAPH_INFERRED))
    assert _inferred(store) == _inferred(scratch)
    assert count == expected
    assert {str(q) for q in derived} == _inferred(store) - first
    return store, _inferred(store)


def _partners(inferred: set[str]) -> set[tuple[str, str]]:
    return {
        (q.split()[0].rsplit("/", 1)[1][:-1], q.split()[2].rsplit("/", 1)[1][:-1])
        for q in inferred
        if "#partnerOf>" in q
    }


DOCS = {
    f"{GRAPH}doc/a": "deal:d1 a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:a, firm:b .",
    f"{GRAPH}doc/b": "deal:d2 a aa:SupplyAgreement ; aa:status aa:Signed ; aa:supplier firm:b ; aa:customer firm:c .",
    f"{GRAPH}doc/c": "deal:d3 a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:x, firm:y .",
    f"{GRAPH}doc/d": "deal:d4 a aa:Cooperation ; aa:status aa:Announced ; aa:party firm:b, firm:c .",
    f"{GRAPH}doc/e": "deal:j1 a aa:AllianceMembership ; aa:status aa:Signed ; aa:alliance alliance:p ;"
    " aa:member firm:m .\n"
    "deal:j2 a aa:AllianceMembership ; aa:status aa:Signed ; aa:alliance alliance:p ; aa:member firm:n .",
    f"{GRAPH}doc/f": "deal:j3 a aa:AllianceMembership ; aa:status aa:Signed ; aa:alliance alliance:p ;"
    " aa:member firm:o .",
}


def test_a_removed_document_ends_the_partnership_it_alone_supported(ontology: Graph) -> None:
    before = {name: turtle(text) for name, text in DOCS.items()}
    after = {name: graph for name, graph in before.items() if not name.endswith("doc/a")}
    _, inferred = _rerun(ontology, before, after)
    partners = _partners(inferred)
    assert ("a", "b") not in partners and ("b", "a") not in partners
    assert {("x", "y"), ("y", "x"), ("b", "c"), ("c", "b")} <= partners  # the others' partnerships stay


def test_a_removed_document_leaves_a_partnership_another_document_supports(ontology: Graph) -> None:
    before = {name: turtle(text) for name, text in DOCS.items()}
    after = {name: graph for name, graph in before.items() if not name.endswith("doc/b")}
    _, inferred = _rerun(ontology, before, after)
    assert {("b", "c"), ("c", "b"), ("a", "b")} <= _partners(inferred)  # deal:d4 still makes b and c partners


def test_a_member_leaving_an_alliance_and_a_new_document_update_only_their_partners(ontology: Graph) -> None:
    before = {name: turtle(text) for name, text in DOCS.items()}
    after = {
        **{name: graph for name, graph in before.items() if not name.endswith("doc/f")},
        f"{GRAPH}doc/g": turtle("deal:d5 a aa:JointVenture ; aa:status aa:Completed ; aa:party firm:a, firm:x ."),
        f"{GRAPH}doc/c": turtle("deal:d3 a aa:Cooperation ; aa:status aa:Ended ; aa:party firm:x, firm:y ."),
    }
    _, inferred = _rerun(ontology, before, after)
    partners = _partners(inferred)
    assert ("m", "o") not in partners and ("o", "n") not in partners
    assert {("m", "n"), ("n", "m"), ("a", "x"), ("x", "a")} <= partners
    assert ("x", "y") not in partners
