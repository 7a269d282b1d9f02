"""kg.vocab.AA and the ontology files define exactly the same aa: terms, each with a label and a comment."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS

from kg import vocab
from kg.ontology import load_ontology
from kg.vocab import AA

ONTOLOGY_DIR = Path(__file__).resolve().parent.parent / "ontology"
NS = str(AA._NS)
VOCAB_TERMS = sorted(AA._NS[name] for name in AA.__annotations__)


@pytest.fixture(scope="module")
def ontology() -> Graph:
    return load_ontology(ONTOLOGY_DIR)


def _english(graph: Graph, term: URIRef, predicate: URIRef) -> list[str]:
    return [str(v) for v in graph.objects(term, predicate) if isinstance(v, Literal) and v.language == "en"]


@pytest.mark.parametrize("term", VOCAB_TERMS, ids=lambda t: t.removeprefix(NS))
def test_vocab_term_is_defined_with_label_and_comment(ontology: Graph, term: URIRef) -> None:
    assert (term, None, None) in ontology, f"{term} is in kg.vocab.AA but not defined in ontology/"
    assert len(_english(ontology, term, RDFS.label)) == 1, f"{term} needs one English rdfs:label"
    comments = _english(ontology, term, RDFS.comment)
    assert len(comments) == 1 and len(comments[0]) > 20, f"{term} needs a useful English rdfs:comment"


def test_every_aa_term_of_the_ontology_is_in_vocab(ontology: Graph) -> None:
    defined = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(NS)}
    assert defined - set(VOCAB_TERMS) == set(), "defined in ontology/ but missing from kg.vocab.AA"


def test_controlled_lists_of_vocab_are_terms() -> None:
    for names in (vocab.DEAL_KINDS, vocab.DEAL_STATUSES, vocab.ROLES, vocab.ATTRIBUTIONS, vocab.FIRM_KINDS):
        for name in names:
            assert getattr(AA, name) == URIRef(NS + name)


def test_a_typo_is_an_error() -> None:
    with pytest.raises(AttributeError):
        AA.Frim  # noqa: B018
