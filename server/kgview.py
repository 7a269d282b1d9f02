"""Read access to the knowledge graph for pages: triples by pattern over the union of all graphs, labels.

Everything here goes through ``Store.quads_for_pattern`` with terms built from validated IRIs, never through
SPARQL text assembled from request input.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.iris import AA, GRAPH_INFERRED

from .backend_graph import prefetch
from .page_guard import check_deadline, deadline

if TYPE_CHECKING:
    from .backend_graph import GraphSource

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
OA = "http://www.w3.org/ns/oa#"
SCHEMA = "https://schema.org/"
OWL_SAME_AS = ox.NamedNode("http://www.w3.org/2002/07/owl#sameAs")
LABEL_PROPERTIES = (
    ox.NamedNode(SKOS + "prefLabel"),
    ox.NamedNode(RDFS + "label"),
    ox.NamedNode(DCTERMS + "title"),
    ox.NamedNode(OA + "exact"),
)


def aa(name: str) -> ox.NamedNode:
    """The ``aa:`` term ``name``."""
    return ox.NamedNode(str(AA) + name)


def term(namespace: str, name: str) -> ox.NamedNode:
    """The IRI ``namespace + name`` as a pyoxigraph node."""
    return ox.NamedNode(namespace + name)


INFERRED = ox.NamedNode(str(GRAPH_INFERRED))
Node = ox.NamedNode | ox.BlankNode
Value = ox.NamedNode | ox.BlankNode | ox.Literal


class KGView:
    """Triple patterns over the union of the store's graphs, each triple once, with label lookup."""

    def __init__(self, store: GraphSource) -> None:
        self.store = store
        self._labels: dict[Value, str] = {}
        self.deadline = deadline()  # the request's: reads past it raise page_guard.PageTimeout

    def triples(
        self,
        s: Value | None = None,
        p: ox.NamedNode | None = None,
        o: Value | None = None,
        graph: ox.NamedNode | None = None,
    ) -> Iterator[ox.Triple]:
        """The distinct triples matching the pattern, in all graphs (or only ``graph``)."""
        if isinstance(s, ox.Literal):  # never a subject; the store raises TypeError for one
            return
        seen: set[ox.Triple] = set()
        check_deadline(self.deadline)
        for n, q in enumerate(self.store.quads_for_pattern(s, p, o, graph)):
            if n % 500 == 499:
                check_deadline(self.deadline)
            t = q.triple
            if t not in seen:
                seen.add(t)
                yield t

    def objects(self, s: Value, p: ox.NamedNode) -> list[Value]:
        """The distinct objects of ``s p ?o``, sorted by their text."""
        # RDF 1.2 triple terms never occur in this graph; the filter narrows the stubs' term type to Value
        return sorted({t.object for t in self.triples(s, p, None) if not isinstance(t.object, ox.Triple)}, key=str)

    def subjects(self, p: ox.NamedNode, o: Value) -> list[Node]:
        """The distinct subjects of ``?s p o``, sorted by their text."""
        return sorted({t.subject for t in self.triples(None, p, o) if not isinstance(t.subject, ox.Triple)}, key=str)

    def value(self, s: Value, p: ox.NamedNode) -> Value | None:
        """One object of ``s p ?o`` (the first by text), or ``None``."""
        objects = self.objects(s, p)
        return objects[0] if objects else None

    def exists(self, s: Node) -> bool:
        """True when ``s`` is the subject of a triple or the name of a graph."""
        for _ in self.store.quads_for_pattern(s, None, None, None):
            return True
        return isinstance(s, ox.NamedNode) and self.store.contains_named_graph(s)

    def types(self, s: Node) -> set[str]:
        """The IRIs of the classes of ``s``."""
        return {o.value for o in self.objects(s, RDF_TYPE) if isinstance(o, ox.NamedNode)}

    def label(self, node: Value) -> str:
        """A human label: ``skos:prefLabel``, ``rdfs:label``, ``dcterms:title`` (English or plain first), else
        the last segment of the IRI."""
        if isinstance(node, ox.Literal):
            return node.value
        cached = self._labels.get(node)
        if cached is not None:
            return cached
        found = ""
        for prop in LABEL_PROPERTIES:
            literals = [o for o in self.objects(node, prop) if isinstance(o, ox.Literal)]
            if literals:
                literals.sort(key=lambda lit: (lit.language not in (None, "en"), lit.value))
                found = literals[0].value
                break
        if not found:
            found = local_name(node)
        self._labels[node] = found
        return found

    def sorted_by_label(self, nodes: Iterable[Value]) -> list[Value]:
        """``nodes`` without duplicates, sorted by label (case-insensitive)."""
        unique = set(nodes)
        self.prefetch(unique)
        return sorted(unique, key=lambda n: (self.label(n).casefold(), str(n)))

    def prefetch(self, nodes: Iterable[Value]) -> None:
        """:func:`server.backend_graph.prefetch` on the view's store."""
        check_deadline(self.deadline)
        prefetch(self.store, nodes)


def local_name(node: Value) -> str:
    """The last path segment or fragment of an IRI (a readable fallback label)."""
    text = node.value if isinstance(node, ox.NamedNode | ox.Literal) else str(node)
    for sep in ("#", "/"):
        if sep in text.rstrip(sep):
            text = text.rstrip(sep).rsplit(sep, 1)[1]
    return text
