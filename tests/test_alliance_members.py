"""The `alliance-members` rule: aa:hasMember holds the founders and the firms that joined, never rumoured,
in-talks or ended members (docs/inference.md, docs/modelling.md section 2)."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph, URIRef

from kg.iris import alliance, firm
from kg.ontology import load_ontology
from kg.reasoning import infer
from kg.vocab import AA

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
DATA = """
@prefix aa: <https://w3id.org/autoalliance/ontology#> .
@prefix firm: <https://w3id.org/autoalliance/id/firm/> .
@prefix deal: <https://w3id.org/autoalliance/id/deal/> .
@prefix alliance: <https://w3id.org/autoalliance/id/alliance/> .
deal:found a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:bmw, firm:intel ; aa:establishes alliance:adp .
deal:join a aa:AllianceMembership ; aa:status aa:Signed ; aa:member firm:fca ; aa:alliance alliance:adp .
deal:announced a aa:AllianceMembership ; aa:status aa:Announced ; aa:member firm:magna ; aa:alliance alliance:adp .
deal:rumour a aa:AllianceMembership ; aa:status aa:Rumoured ; aa:member firm:daimler ; aa:alliance alliance:adp .
deal:talks a aa:AllianceMembership ; aa:status aa:InTalks ; aa:party firm:bmw ; aa:unnamedParties 2 ;
    aa:alliance alliance:adp .
deal:left a aa:AllianceMembership ; aa:status aa:Ended ; aa:member firm:delphi ; aa:alliance alliance:adp .
deal:other a aa:Cooperation ; aa:status aa:Signed ; aa:party firm:bmw, firm:toyota .
"""


def members(graph: Graph, of: URIRef) -> set[str]:
    return {str(f).rsplit("/", 1)[1] for f in graph.objects(of, AA.hasMember)}


def test_founders_and_joined_firms_are_members_and_no_one_else() -> None:
    inferred = infer(Graph().parse(data=DATA, format="turtle"), load_ontology(ONTOLOGY_DIR))
    assert members(inferred, alliance("adp")) == {"bmw", "intel", "fca", "magna"}
    assert not set(inferred.subjects(AA.hasMember, firm("toyota")))


def test_has_member_is_an_org_has_member() -> None:
    ontology = load_ontology(ONTOLOGY_DIR)
    from rdflib.namespace import RDFS

    assert (AA.hasMember, RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/org#hasMember")) in ontology
