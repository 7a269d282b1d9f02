"""The RDF of a resource: a symmetric concise bounded description, paginated for hubs.

A description of ``node`` is a sequence of *statements* — the triples with ``node`` as subject (outgoing), then
those with ``node`` as object (incoming) — each with what makes it readable on its own:

- an outgoing statement brings the description of its object when that object belongs to ``node``: a blank
  node, a sub-resource (an IRI below ``node``'s own, such as a selector or a monetary value) or an evidence
  resource (with its selectors and source), to a bounded depth;
- an incoming statement whose subject is a blank node brings that blank node's triples;
- every other resource these triples link to brings its labels (``rdfs:label``, ``skos:prefLabel``,
  ``dcterms:title``) and, unless it is a class, its types.

So a firm's description names its deals (``?deal aa:party firm``) with their labels, an evidence resource names
what it supports (``?deal aa:evidence evidence``), and a deal's description carries its quotes and the titles of
their source documents. Statements are read in the store's index order and cut into pages of ``page_size``; the
store is never read further than the page asked for (plus one statement, to know whether another page follows).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

import pyoxigraph as ox
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, Namespace

from kg.vocab import AA

from .backend_graph import prefetch

if TYPE_CHECKING:
    from .backend_graph import GraphSource

OA = Namespace("http://www.w3.org/ns/oa#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")

_MAX_DEPTH = 3
PAGE_SIZE = 1000  # statements per page; a deal's evidence brings about ten triples per statement


def iri(term: str) -> ox.NamedNode:
    """An rdflib namespace term as a pyoxigraph node."""
    return ox.NamedNode(str(term))


RDF_TYPE = iri(RDF.type)
LABELS = (iri(RDFS.label), iri(SKOS.prefLabel), iri(DCTERMS.title))
_OWNED_BY_LINK = (iri(AA.evidence), iri(OA.hasSelector), iri(AA.value))

Node = ox.NamedNode | ox.BlankNode
# Datatypes that Turtle usually writes without naming them (strings, ``true``, ``12``, ``1.5``); when it must name
# one, a missing prefix only makes it write the full IRI.
_IMPLICIT_DATATYPES = {str(RDF.langString)} | {
    f"http://www.w3.org/2001/XMLSchema#{name}" for name in ("string", "boolean", "integer", "decimal", "double")
}


@dataclass(frozen=True)
class Description:
    """One page of a description: its triples, its number (from 1), how many statements (or, for a graph,
    triples) of the paginated sequence it holds, and whether another page follows."""

    triples: list[ox.Triple]
    page: int
    statements: int
    has_next: bool


def distinct(triples: Iterable[ox.Triple]) -> Iterator[ox.Triple]:
    """``triples`` without the repeats that a triple stored in several named graphs causes.

    The store returns the copies of one triple next to each other (its indexes put the graph last), so
    comparing with the previous triple is enough and memory stays constant.
    """
    previous = None
    for t in triples:
        if t != previous:
            yield t
        previous = t


def statements(store: GraphSource, node: Node) -> Iterator[ox.Triple]:
    """The outgoing, then the incoming triples of ``node``, each once, in the store's index order."""
    yield from distinct(q.triple for q in store.quads_for_pattern(node, None, None, None))
    incoming = distinct(q.triple for q in store.quads_for_pattern(None, None, node, None))
    yield from (t for t in incoming if t.subject != node)


def _owned(node: Node, t: ox.Triple) -> bool:
    """True when the object of ``t`` (a triple of ``node``) is described as part of ``node``."""
    o = t.object
    if isinstance(o, ox.BlankNode):
        return True
    if not isinstance(o, ox.NamedNode):
        return False
    return t.predicate in _OWNED_BY_LINK or (isinstance(node, ox.NamedNode) and o.value.startswith(node.value + "/"))


def _closure(store: GraphSource, start: Node, expanded: set[Node], out: list[ox.Triple]) -> None:
    """Append the triples of ``start`` and of what it owns (to ``_MAX_DEPTH``) to ``out``."""
    frontier: list[tuple[Node, int]] = [(start, 0)]
    while frontier:
        subject, depth = frontier.pop()
        if subject in expanded:
            continue
        expanded.add(subject)
        for t in distinct(q.triple for q in store.quads_for_pattern(subject, None, None, None)):
            out.append(t)
            if depth < _MAX_DEPTH and _owned(subject, t):
                frontier.append((t.object, depth + 1))  # type: ignore[arg-type]


def _summaries(store: GraphSource, triples: list[ox.Triple], expanded: set[Node]) -> list[ox.Triple]:
    """Labels (and types, for resources that are not classes) of the resources ``triples`` link to."""
    predicates = {t.predicate for t in triples}
    terms_only = predicates | {t.object for t in triples if t.predicate == RDF_TYPE}  # labels, not types
    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode)}
    linked |= {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    linked |= predicates
    out: list[ox.Triple] = []
    prefetch(store, linked - expanded)
    for other in sorted(linked - expanded, key=str):
        wanted = LABELS if other in terms_only else (*LABELS, RDF_TYPE)
        for prop in wanted:
            out.extend(distinct(q.triple for q in store.quads_for_pattern(other, prop, None, None)))
    return out


def describe(store: GraphSource, node: Node, page: int = 1, page_size: int = PAGE_SIZE) -> Description:
    """Page ``page`` (from 1) of the symmetric concise bounded description of ``node``.

    Every page also carries ``node``'s own labels and types, so that it can be read alone. A page past the last
    one has no statements (``triples`` then holds only those labels and types).
    """
    start = (page - 1) * page_size
    chosen = list(islice(statements(store, node), start, start + page_size + 1))
    has_next = len(chosen) > page_size
    chosen = chosen[:page_size]
    expanded: set[Node] = {node}
    triples: list[ox.Triple] = []
    for t in chosen:
        triples.append(t)
        if t.subject == node and _owned(node, t):
            _closure(store, t.object, expanded, triples)  # type: ignore[arg-type]
        elif t.subject != node and isinstance(t.subject, ox.BlankNode):
            _closure(store, t.subject, expanded, triples)
    for prop in (*LABELS, RDF_TYPE):
        triples.extend(distinct(q.triple for q in store.quads_for_pattern(node, prop, None, None)))
    triples.extend(_summaries(store, triples, expanded))
    return Description(triples, page, len(chosen), has_next)


def graph_content(store: GraphSource, graph: ox.NamedNode, page: int = 1, page_size: int = PAGE_SIZE) -> Description:
    """Page ``page`` of the triples of the named graph ``graph`` (pages of ``page_size`` triples); the first page
    also carries the graph's own description."""
    start = (page - 1) * page_size
    chosen = [q.triple for q in islice(store.quads_for_pattern(None, None, None, graph), start, start + page_size + 1)]
    has_next = len(chosen) > page_size
    triples = chosen[:page_size]
    count = len(triples)
    if page == 1:
        triples += list(distinct(q.triple for q in store.quads_for_pattern(graph, None, None, None)))
    return Description(triples, page, count, has_next)


def page_url(document: str, page: int) -> str:
    """The URL of page ``page`` of the paginated ``document`` (a URL without query): page 1 is ``document``."""
    return document if page == 1 else f"{document}?page={page}"


def paging_triples(node: ox.NamedNode, description: Description, document: str) -> list[ox.Triple]:
    """Hydra paging controls for a description split into pages, about the documents that carry them: page N is
    ``document?page=N`` (page 1 is ``document`` itself, as a client first fetches it), each with ``node`` as its
    primary topic. Clients such as Comunica follow ``hydra:next`` from the URL they fetched. Nothing for a
    description that fits in one page."""
    if description.page == 1 and not description.has_next:
        return []
    page = ox.NamedNode(page_url(document, description.page))
    t = [
        ox.Triple(page, RDF_TYPE, iri(HYDRA.PartialCollectionView)),
        ox.Triple(page, iri(FOAF.primaryTopic), node),
        ox.Triple(page, iri(HYDRA.first), ox.NamedNode(document)),
    ]
    if description.has_next:
        t.append(ox.Triple(page, iri(HYDRA.next), ox.NamedNode(page_url(document, description.page + 1))))
    if description.page > 1:
        t.append(ox.Triple(page, iri(HYDRA.previous), ox.NamedNode(page_url(document, description.page - 1))))
    return t


def used_prefixes(triples: Iterable[ox.Triple], prefixes: dict[str, str]) -> dict[str, str]:
    """The entries of ``prefixes`` whose namespace some IRI of ``triples`` starts with (Turtle and RDF/XML then
    declare only what they use; ``rdf:type`` as a predicate counts for nothing, since Turtle writes ``a``)."""
    iris = {
        term.value
        for t in triples
        for term in (t.subject, t.predicate, t.object)
        if isinstance(term, ox.NamedNode) and term != RDF_TYPE
    }  # Turtle writes rdf:type as ``a``
    iris |= {
        t.object.datatype.value
        for t in triples
        if isinstance(t.object, ox.Literal) and t.object.datatype.value not in _IMPLICIT_DATATYPES
    }
    return {name: ns for name, ns in prefixes.items() if any(i.startswith(ns) and i != ns for i in iris)}
