"""Publish the current build to an existing SPARQL 1.1 store, graph by graph, replacing what changed.

Every named graph of the build is one unit. A graph whose digest is the one the target received last time (and
whose triple count there still matches) is not sent again; graphs that left the build are dropped from the
target. A changed graph is first loaded into a staging graph of its own, through the Graph Store HTTP Protocol
(PUT, streamed from the store with its length) or, where the store has no Graph Store endpoint, through SPARQL
Update ``INSERT DATA`` requests; then one update request swaps a batch of staged graphs into place with
``MOVE <staging> TO <graph>``. A failure part-way leaves each graph either as it was or complete: the target
graph is only touched by the swap. A graph the target does not have yet is loaded into place directly when one
request carries it whole (there is no old version to protect, and a request is applied whole or not at all).
Afterwards the triples of every sent graph are counted on the target; a difference is reported (and the graph is
forgotten, so the next publish sends it again).

What the target received is remembered per target in ``var/publish/<key>.json`` (never with credentials).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .config import Paths
from .remote_store import RemoteStore, SizedBody, StoreError
from .store import open_store

Progress = Callable[[str], None]
STAGING_PREFIX = "urn:autoalliance:staging:"
CHUNK_TRIPLES = 20_000  # triples per serialized chunk of a request body
BATCH_TRIPLES = 100_000  # triples staged before one swap request
BATCH_GRAPHS = 500  # graphs per swap request and per counting query
METHODS = ("auto", "gsp", "update")


def _quiet(_: str) -> None:
    pass


@dataclass(frozen=True)
class LocalGraph:
    """One named graph of the build: its IRI, number of triples and content digest."""

    iri: str
    count: int
    digest: str


@dataclass
class PublishReport:
    """What a publish did. ``mismatches`` maps a graph to (triples in the build, triples found on the target)."""

    graphs: int = 0
    sent: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    triples_sent: int = 0
    seconds: float = 0.0
    method: str = ""
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def unchanged(self) -> int:
        return self.graphs - len(self.sent)

    @property
    def ok(self) -> bool:
        return not self.mismatches


# ---------------------------------------------------------------- the build side


def staging_iri(graph: str) -> str:
    """The staging graph a new version of ``graph`` is loaded into before the swap (one per graph)."""
    return STAGING_PREFIX + hashlib.sha256(graph.encode("utf-8")).hexdigest()[:40]


def _read_manifest(paths: Paths) -> dict[str, Any]:
    try:
        return json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def local_graphs(store: ox.Store, manifest: dict[str, Any] | None = None) -> dict[str, LocalGraph]:
    """Every named graph of ``store`` with its triple count and digest, in IRI order.

    The digests are the build's (``graph_digests`` in the manifest) when it has them; otherwise they are computed
    here in one pass over the store: an order-independent sum of the SHA-256 of each triple's N-Triples form, so
    equal graphs have equal digests whatever order the store returns them in.
    """
    recorded: dict[str, str] = dict((manifest or {}).get("graph_digests") or {})
    counts: dict[str, int] = {}
    sums: dict[str, int] = {}
    if recorded:
        query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
        rows = store.query(query)
        assert isinstance(rows, ox.QuerySolutions)  # a SELECT
        for row in rows:
            counts[row["g"].value] = int(row["n"].value)
    else:
        for quad in store.quads_for_pattern(None, None, None, None):
            graph = quad.graph_name
            if not isinstance(graph, ox.NamedNode):
                continue  # only named graphs are published; the build writes nothing to the default graph
            key = graph.value
            line = f"{quad.subject} {quad.predicate} {quad.object} .".encode()
            sums[key] = sums.get(key, 0) + int.from_bytes(hashlib.sha256(line).digest(), "big")
            counts[key] = counts.get(key, 0) + 1
    graphs = {}
    for iri in sorted(counts):
        digest = recorded.get(iri) or "sum-sha256:" + format(sums.get(iri, 0) % (1 << 256), "064x")
        graphs[iri] = LocalGraph(iri, counts[iri], digest)
    return graphs


def graph_chunks(store: ox.Store, graph: str, chunk: int = CHUNK_TRIPLES) -> Iterator[bytes]:
    """The triples of ``graph`` as N-Triples, ``chunk`` triples at a time: never the whole graph in memory."""
    batch: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph)):
        batch.append(quad.triple)
        if len(batch) >= chunk:
            yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""
            batch = []
    if batch:
        yield ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b""


def graph_body(store: ox.Store, graph: LocalGraph) -> bytes | SizedBody:
    """The body of a Graph Store PUT of ``graph``: bytes when small, else a stream measured by a first pass."""
    if graph.count <= CHUNK_TRIPLES:
        return b"".join(graph_chunks(store, graph.iri))
    length = sum(len(chunk) for chunk in graph_chunks(store, graph.iri))
    return SizedBody(lambda: graph_chunks(store, graph.iri), length)


def insert_requests(store: ox.Store, graph: LocalGraph, target: str, batch: int = CHUNK_TRIPLES) -> Iterator[str]:
    """``INSERT DATA`` requests that load ``graph`` into ``target``, ``batch`` triples each.

    Blank-node labels are scoped to one request, so every triple that mentions a blank node goes into the last
    request (an ``INSERT ... WHERE {}``): split across requests, one blank node would become several.
    """
    with_blank: list[ox.Triple] = []
    plain: list[ox.Triple] = []
    for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(graph.iri)):
        triple = quad.triple
        if isinstance(triple.subject, ox.BlankNode) or isinstance(triple.object, ox.BlankNode):
            with_blank.append(triple)
            continue
        plain.append(triple)
        if len(plain) >= batch:
            yield _insert_data(target, plain)
            plain = []
    if with_blank or plain:
        yield _insert_data(target, with_blank + plain, template=bool(with_blank))


def _insert_data(target: str, triples: list[ox.Triple], template: bool = False) -> str:
    """``INSERT DATA``, or for blank nodes ``INSERT {...} WHERE {}``: its one solution makes each blank node
    once, and some stores (Virtuoso) refuse blank nodes in ``INSERT DATA``."""
    body = (ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"").decode("utf-8")
    if template:
        return f"INSERT {{ GRAPH <{target}> {{\n{body}}} }} WHERE {{}}"
    return f"INSERT DATA {{ GRAPH <{target}> {{\n{body}}} }}"


# ---------------------------------------------------------------- what the target holds


def state_path(paths: Paths, target: RemoteStore) -> Path:
    """Where what ``target`` received is remembered: one file per store kind and query endpoint."""
    key = hashlib.sha256(f"{target.endpoints.kind} {target.endpoints.query}".encode()).hexdigest()[:16]
    return paths.var / "publish" / f"{key}.json"


def _load_state(path: Path) -> dict[str, Any]:
    try:
        state = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {}
    state.setdefault("graphs", {})
    state.setdefault("staging", [])
    return state


def _save_state(path: Path, state: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.new")
    tmp.write_text(json.dumps(state, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    tmp.replace(path)


def remote_counts(target: RemoteStore, graphs: list[str]) -> dict[str, int]:
    """Triples per graph on the target for ``graphs`` (absent graphs count 0).

    A few graphs are counted with VALUES; many in one pass over the store's graphs, grouped by graph, because
    Virtuoso joins a long VALUES list with ``GRAPH ?g`` very slowly (500 graphs of a 0.8M-triple store took
    minutes, one pass over all of it seconds).
    """
    counts = dict.fromkeys(graphs, 0)
    if len(graphs) > BATCH_GRAPHS:
        for row in target.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"):
            if row.get("g") in counts:
                counts[row["g"]] = int(row["n"])
        return counts
    for start in range(0, len(graphs), BATCH_GRAPHS):
        values = " ".join(f"<{g}>" for g in graphs[start : start + BATCH_GRAPHS])
        query = f"SELECT ?g (COUNT(*) AS ?n) WHERE {{ VALUES ?g {{ {values} }} GRAPH ?g {{ ?s ?p ?o }} }} GROUP BY ?g"
        for row in target.select(query):
            if row.get("g") in counts:
                counts[row["g"]] = int(row["n"])
    return counts


def _drop(target: RemoteStore, graphs: list[str]) -> None:
    for start in range(0, len(graphs), BATCH_GRAPHS):
        target.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs[start : start + BATCH_GRAPHS]))


def _batches(graphs: list[LocalGraph], max_triples: int) -> Iterator[list[LocalGraph]]:
    batch: list[LocalGraph] = []
    size = 0
    for graph in graphs:
        if batch and (size + graph.count > max_triples or len(batch) >= BATCH_GRAPHS):
            yield batch
            batch, size = [], 0
        batch.append(graph)
        size += graph.count
    if batch:
        yield batch


# ---------------------------------------------------------------- publishing


def _load(store: ox.Store, target: RemoteStore, graph: LocalGraph, method: str, into: str) -> None:
    """Load ``graph`` into the graph ``into`` of the target, replacing what is there."""
    if method == "gsp":
        target.put_graph(into, graph_body(store, graph))
        return
    target.update(f"DROP SILENT GRAPH <{into}>")
    for request in insert_requests(store, graph, into):
        target.update(request)


def _single_request(graph: LocalGraph, method: str) -> bool:
    """Whether ``graph`` goes to the store in one request (a request is applied whole or not at all)."""
    return method == "gsp" or graph.count < CHUNK_TRIPLES


def publish(
    paths: Paths,
    target: RemoteStore,
    method: str = "auto",
    force_all: bool = False,
    batch_triples: int = BATCH_TRIPLES,
    progress: Progress = _quiet,
) -> PublishReport:
    """Load every named graph of the build at ``paths`` into ``target``; return what was done.

    ``method`` is ``gsp`` (Graph Store HTTP Protocol), ``update`` (SPARQL Update only) or ``auto`` (the Graph
    Store Protocol when the store has it). ``force_all`` sends every graph, changed or not. Raises
    :class:`~kg.remote_store.StoreError` when the store refuses or cannot be reached (graphs swapped before
    that are kept and remembered), ``FileNotFoundError`` when there is no build.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    if method == "auto":
        method = "gsp" if target.endpoints.graph_store else "update"
    started = time.perf_counter()
    store = open_store(paths.store)
    progress("reading the build's graphs")
    local = local_graphs(store, _read_manifest(paths))
    path = state_path(paths, target)
    state = _load_state(path)
    state["target"] = target.endpoints.query
    state["kind"] = target.endpoints.kind
    if state["staging"]:
        progress(f"dropping {len(state['staging'])} staging graph(s) left by an interrupted publish")
        _drop(target, state["staging"])
        state["staging"] = []
        _save_state(path, state)
    progress(f"counting triples of {len(local)} graph(s) on the target")
    before = remote_counts(target, list(local))
    remembered: dict[str, str] = state["graphs"]
    changed = [g for g in local.values() if force_all or remembered.get(g.iri) != g.digest or before[g.iri] != g.count]
    removed = sorted(g for g in remembered if g not in local)
    report = PublishReport(graphs=len(local), method=method)
    total = sum(g.count for g in changed)
    for batch in _batches(changed, batch_triples):
        # a graph the store does not have yet has no old version to protect: one request loads it directly
        direct = {g.iri for g in batch if before[g.iri] == 0 and _single_request(g, method)}
        staged = [g for g in batch if g.iri not in direct]
        staging = [staging_iri(g.iri) for g in staged]
        state["staging"] = staging
        _save_state(path, state)
        try:
            for graph in batch:
                _load(store, target, graph, method, graph.iri if graph.iri in direct else staging_iri(graph.iri))
            if staged:
                target.update(" ;\n".join(f"MOVE <{staging_iri(g.iri)}> TO <{g.iri}>" for g in staged))
        except StoreError:
            try:
                _drop(target, staging)
                state["staging"] = []
            except StoreError:
                pass  # remembered in the state: the next publish drops them first
            _save_state(path, state)
            raise
        for graph in batch:
            remembered[graph.iri] = graph.digest
        state["staging"] = []
        _save_state(path, state)
        report.sent += [g.iri for g in batch]
        report.triples_sent += sum(g.count for g in batch)
        rate = report.triples_sent / max(time.perf_counter() - started, 1e-9)
        progress(
            f"{len(report.sent)}/{len(changed)} changed graph(s), "
            f"{report.triples_sent}/{total} triples ({rate:,.0f} triples/s)"
        )
    if removed:
        progress(f"dropping {len(removed)} graph(s) no longer in the build")
        _drop(target, removed)
        for name in removed:
            remembered.pop(name, None)
        report.removed = removed
        _save_state(path, state)
    if report.sent:
        progress("verifying triple counts")
        after = remote_counts(target, report.sent)
        for iri in report.sent:
            if after[iri] != local[iri].count:
                report.mismatches[iri] = (local[iri].count, after[iri])
                remembered.pop(iri, None)  # send it again next time
        state["published"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        _save_state(path, state)
    report.seconds = time.perf_counter() - started
    return report
