"""The RDF of a resource: a concise bounded description plus the labels of what it links to."""

from __future__ import annotations

import pyoxigraph as ox

from .kgview import LABEL_PROPERTIES, KGView, aa

_MAX_DEPTH = 3
_HAS_SELECTOR = ox.NamedNode("http://www.w3.org/ns/oa#hasSelector")


def describe(kv: KGView, node: ox.NamedNode) -> list[ox.Triple]:
    """The triples of ``node`` as subject in all graphs; the same for its blank nodes, its sub-resources
    (IRIs below its own, such as selectors and monetary values) and its evidence; and the labels and types
    of every resource these triples link to."""
    triples: list[ox.Triple] = []
    expanded: set[ox.NamedNode | ox.BlankNode] = set()
    frontier: list[tuple[ox.NamedNode | ox.BlankNode, int]] = [(node, 0)]
    while frontier:
        subject, depth = frontier.pop()
        if subject in expanded:
            continue
        expanded.add(subject)
        for t in kv.triples(subject, None, None):
            triples.append(t)
            o = t.object
            follow = isinstance(o, ox.BlankNode) or (isinstance(o, ox.NamedNode) and (
                (isinstance(subject, ox.NamedNode) and o.value.startswith(f"{subject.value}/"))
                or t.predicate in (aa("evidence"), _HAS_SELECTOR)))
            if follow and depth < _MAX_DEPTH:
                frontier.append((o, depth + 1))  # type: ignore[arg-type]
    linked = {t.object for t in triples if isinstance(t.object, ox.NamedNode)} - expanded
    for other in sorted(linked, key=str):
        for prop in LABEL_PROPERTIES[:2]:
            triples.extend(kv.triples(other, prop, None))
    return triples


def graph_content(kv: KGView, graph: ox.NamedNode) -> list[ox.Triple]:
    """Every triple of the named graph ``graph`` and the graph's own description (if it has one)."""
    return [q.triple for q in kv.store.quads_for_pattern(None, None, None, graph)] + list(
        kv.triples(graph, None, None))

