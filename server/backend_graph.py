"""What pages read the knowledge graph through: one read-only "graph source" for both backends.

:class:`GraphSource` is the part of :class:`pyoxigraph.Store` that the pages, VoID, DCAT, the sitemap and the
site data use: triple patterns (``quads_for_pattern``), named graphs, and SPARQL queries over the union of the
graphs. The embedded store is a graph source as it is. :class:`RemoteGraph` is the same interface over an
external SPARQL store (``serve --store URL``): each call becomes one SPARQL query sent through
:class:`server.backend_remote.RemoteBackend`, so it gets the same checks as ``/sparql`` (the query check, the store's
own time limit, the request's deadline, a bounded read: at most ``max_rows`` rows and ``max_bytes`` bytes, a
larger answer refused rather than cut), and its answer is read by pyoxigraph's own parsers into pyoxigraph terms.
Within a request the statements of a resource are read once (kept in ``flask.g``), and a page that lists many
resources reads them in batches (:func:`prefetch`).

A page request's deadline (``server.page_guard``) bounds every call made while the page is prepared; outside a
request (the per-build values) the backend's time limit does.

Blank nodes cannot be named in a SPARQL query, so the statements that have one (in this graph, only the OWL
lists of the ontology) are read once per source and answered from memory; the stores tested here (Virtuoso,
Oxigraph's server) label a blank node alike in every answer, so the labels join up.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Protocol

import pyoxigraph as ox
from flask import g, has_app_context

from kg.iris import GRAPH

from .backend_remote import RemoteBackend
from .httperror import HTTPError
from .page_guard import PageTimeout, deadline

Term = ox.NamedNode | ox.BlankNode | ox.Literal
Subject = ox.NamedNode | ox.BlankNode | ox.Triple
GraphName = ox.NamedNode | ox.BlankNode | ox.DefaultGraph
Result = ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples | list[ox.Triple]
DEFAULT_GRAPH = ox.DefaultGraph()
# Statements with a blank node read into memory once; a store with more of them is served the first ones only.
MAX_BLANK_STATEMENTS = 100_000
PROJECT_GRAPHS = (
    f'SELECT ?g (COUNT(*) AS ?n) WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(STRSTARTS(STR(?g), "{GRAPH}")) }} GROUP BY ?g'
)
PREFETCH_BATCH = 200  # resources per query when a page reads many at once
_REQUEST_CACHE = "remote_statements"
BLANK_STATEMENTS = "SELECT ?s ?p ?o WHERE { ?s ?p ?o FILTER(isBlank(?s) || isBlank(?o)) }"


class GraphSource(Protocol):
    """Read-only access to the knowledge graph (implemented by :class:`pyoxigraph.Store` and
    :class:`RemoteGraph`)."""

    def quads_for_pattern(
        self,
        subject: Subject | None,
        predicate: ox.NamedNode | None,
        object: Term | ox.Triple | None,  # noqa: A002 - pyoxigraph's own parameter name
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern (``None`` matches anything)."""
        ...

    def named_graphs(self) -> Iterator[ox.NamedNode | ox.BlankNode]:
        """The names of the graphs."""
        ...

    def contains_named_graph(self, graph_name: GraphName) -> bool:
        """True when the store has a graph of that name."""
        ...

    def query(
        self, query: str, *, prefixes: dict[str, str] | None = None, use_default_graph_as_union: bool = False
    ) -> Result:
        """The answer of a SPARQL query."""
        ...


def prefetch(source: GraphSource, nodes: Iterable[object]) -> None:
    """Tell ``source`` that the statements of ``nodes`` are about to be read: an external store then reads them in
    a few queries rather than one per question (the embedded store has no ``prefetch`` and needs none)."""
    fetch = getattr(source, "prefetch", None)
    if fetch is not None:
        fetch(nodes)


def _sparql(node: Term | ox.NamedNode) -> str:
    """``node`` in SPARQL syntax (IRIs and literals only: their N-Triples form is valid SPARQL)."""
    return str(node)


def _key(t: ox.Triple) -> tuple[str, str, str]:
    return (str(t.subject), str(t.predicate), str(t.object))


class RemoteGraph:
    """A :class:`GraphSource` over an external SPARQL store, through ``backend``.

    ``max_rows`` bounds each pattern's answer (more is an error, never a silent cut: a page built from part of
    a resource's statements would be wrong). Answers come back sorted by subject, predicate and object, so
    paging through them is stable and copies of a triple are adjacent (as in the embedded store's indexes).
    """

    def __init__(self, backend: RemoteBackend, max_rows: int = 1_000_000, max_bytes: int = 256 * 1024**2) -> None:
        self.backend = backend
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._blank: list[ox.Triple] | None = None
        self._graphs: dict[str, int] | None = None

    def __repr__(self) -> str:
        return f"RemoteGraph({self.backend.store!r})"

    # ------------------------------------------------------------ SPARQL

    def _deadline(self) -> tuple[float, bool]:
        """The time the next call must end by, and whether it is a page's deadline (rather than the backend's)."""
        own = time.monotonic() + self.backend.timeout
        page = deadline()
        if page is not None and page < own:
            return page, True
        return own, False

    def query(
        self,
        query: str,
        *,
        prefixes: Mapping[str, str] | None = None,
        use_default_graph_as_union: bool = True,
        **_: object,
    ) -> Result:
        """The answer of ``query`` over the union of the store's graphs (the only default graph an external
        store gives this server): solutions, a boolean, or a list of triples.

        Raises :class:`server.page_guard.PageTimeout` past a page's deadline, :class:`HTTPError` otherwise
        (502 when the store fails, 503 at the backend's time limit, 413 when the answer is too large).
        """
        limit, for_page = self._deadline()
        try:
            return self.backend.query(
                query, prefixes=dict(prefixes or {}), deadline=limit, max_rows=self.max_rows, max_bytes=self.max_bytes
            )
        except HTTPError as exc:
            if for_page and exc.status == 503:
                raise PageTimeout from None
            raise

    def _select(self, query: str) -> ox.QuerySolutions:
        result = self.query(query)
        if not isinstance(result, ox.QuerySolutions):
            raise HTTPError(502, "the SPARQL store answered a SELECT query with something else")
        return result

    # ------------------------------------------------------------ patterns

    def _blank_statements(self) -> list[ox.Triple]:
        with self._lock:
            if self._blank is None:
                rows = self._select(BLANK_STATEMENTS)
                found = [ox.Triple(r["s"], r["p"], r["o"]) for r in rows]
                self._blank = sorted(set(found[:MAX_BLANK_STATEMENTS]), key=_key)
            return self._blank

    def quads_for_pattern(
        self,
        subject: Subject | Term | None,
        predicate: ox.NamedNode | None,
        object: Term | ox.Triple | None,  # noqa: A002 - pyoxigraph's own parameter name
        graph_name: GraphName | None = None,
    ) -> Iterator[ox.Quad]:
        """The quads matching the pattern, sorted. With no graph, each triple once (over the union, in the default
        graph); with a graph, the triples of that graph."""
        if isinstance(subject, ox.Literal | ox.Triple) or isinstance(object, ox.Triple):
            return iter(())  # no literal subjects, no triple terms in this graph
        if isinstance(graph_name, ox.BlankNode | ox.DefaultGraph):
            return iter(())  # every graph of an external store is named by an IRI
        if isinstance(subject, ox.BlankNode) or isinstance(object, ox.BlankNode):
            return self._blank_pattern(subject, predicate, object, graph_name)
        if subject is not None and object is None and graph_name is None:
            # pages ask many questions about the same resource: one query for all its statements, per request
            outgoing = self._outgoing(subject)
            return iter([q for q in outgoing if predicate is None or q.predicate == predicate])
        return self._fetch(subject, predicate, object, graph_name)

    def _outgoing(self, subject: ox.NamedNode) -> list[ox.Quad]:
        cache: dict[ox.NamedNode, list[ox.Quad]] | None = (
            g.setdefault(_REQUEST_CACHE, {}) if has_app_context() else None
        )
        found = cache.get(subject) if cache is not None else None
        if found is None:
            found = list(self._fetch(subject, None, None, None))
            if cache is not None:
                cache[subject] = found
        return found

    def prefetch(self, subjects: Iterable[object]) -> None:
        """Read the statements of ``subjects`` in a few queries (a page about to label many resources), for the
        rest of the request."""
        if not has_app_context():
            return
        cache: dict[ox.NamedNode, list[ox.Quad]] = g.setdefault(_REQUEST_CACHE, {})
        wanted = sorted({s for s in subjects if isinstance(s, ox.NamedNode) and s not in cache}, key=str)
        for start in range(0, len(wanted), PREFETCH_BATCH):
            batch = wanted[start : start + PREFETCH_BATCH]
            values = " ".join(_sparql(s) for s in batch)
            rows = self._select(f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o }}")
            found: dict[ox.NamedNode, list[ox.Triple]] = {s: [] for s in batch}
            for row in rows:
                found[row["s"]].append(ox.Triple(row["s"], row["p"], row["o"]))
            for s, triples in found.items():
                cache[s] = [ox.Quad(t.subject, t.predicate, t.object, DEFAULT_GRAPH) for t in sorted(triples, key=_key)]

    def _fetch(
        self,
        subject: ox.NamedNode | None,
        predicate: ox.NamedNode | None,
        object: Term | None,  # noqa: A002
        graph_name: ox.NamedNode | None,
    ) -> Iterator[ox.Quad]:
        terms = {"s": subject, "p": predicate, "o": object}
        variables = [f"?{name}" for name, value in terms.items() if value is None]
        where = " ".join(f"?{name}" if value is None else _sparql(value) for name, value in terms.items())
        if graph_name is not None:
            where = f"GRAPH {_sparql(graph_name)} {{ {where} }}"
        if not variables:
            found = self.query(f"ASK {{ {where} }}")
            rows: list[dict[str, Any]] = [{}] if isinstance(found, ox.QueryBoolean) and bool(found) else []
        else:
            solutions = self._select(f"SELECT DISTINCT {' '.join(variables)} WHERE {{ {where} }}")
            rows = [{name[1:]: solution[name[1:]] for name in variables} for solution in solutions]
        # the bound terms, then each row's values in their places
        triples = sorted((ox.Triple(*(row.get(n, terms[n]) for n in "spo")) for row in rows), key=_key)  # type: ignore[arg-type]
        graph = graph_name or DEFAULT_GRAPH
        return iter([ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples])

    def _blank_pattern(
        self,
        subject: Term | None,
        predicate: ox.NamedNode | None,
        object: Term | None,  # noqa: A002
        graph_name: ox.NamedNode | None,
    ) -> Iterator[ox.Quad]:
        # the statements with blank nodes are few (OWL lists) and not kept per graph: a graph's own pattern with
        # a blank node answers from its union, which is what the pages ask (descriptions over all graphs)
        graph = graph_name or DEFAULT_GRAPH
        for t in self._blank_statements():
            if (
                (subject is None or t.subject == subject)
                and (predicate is None or t.predicate == predicate)
                and (object is None or t.object == object)
            ):
                yield ox.Quad(t.subject, t.predicate, t.object, graph)

    # ------------------------------------------------------------ graphs

    def graph_sizes(self) -> dict[str, int]:
        """The project's graphs on the store and their number of triples (read once per source)."""
        with self._lock:
            if self._graphs is None:
                rows = self._select(PROJECT_GRAPHS)
                self._graphs = {r["g"].value: int(r["n"].value) for r in rows}
            return self._graphs

    def named_graphs(self) -> Iterator[ox.NamedNode]:
        """The project's graphs on the store, sorted (the store's own graphs are not the knowledge graph's)."""
        return iter([ox.NamedNode(g) for g in sorted(self.graph_sizes())])

    def contains_named_graph(self, graph_name: GraphName) -> bool:
        """True when the store holds the project's graph ``graph_name``."""
        return isinstance(graph_name, ox.NamedNode) and graph_name.value in self.graph_sizes()

    def close(self) -> None:
        """Close the connections to the store."""
        self.backend.close()
