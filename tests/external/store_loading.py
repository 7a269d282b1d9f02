"""Putting one build at a time into a real external store for the tests: the store then holds exactly that
build's graphs (``autoalliance publish`` of every graph, after dropping whatever graph of ours was there).

Each store server remembers which build it holds (``server.extra["loaded"]``), so tests that take turns on the
same build publish it once. A hand-made test store may hold triples in its default graph, which publish (named
graphs only) would not send: they are published in a named graph of their own (``UNNAMED``).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pyoxigraph as ox

from bench.stores import StoreServer
from kg.config import Paths
from kg.publish import STAGING_PREFIX, publish
from kg.remote_store import RemoteStore, endpoints_for
from kg.store import open_store, store_identity, write_store

OURS = ("https://w3id.org/autoalliance/", STAGING_PREFIX)
UNNAMED = ox.NamedNode("https://w3id.org/autoalliance/graph/unnamed")


def target_for(server: StoreServer, timeout: float = 120.0) -> RemoteStore:
    """A client of ``server`` with its account allowed to write."""
    return RemoteStore(endpoints_for(server.kind, server.url), server.user, server.password, timeout=timeout)


def project_graphs(server: StoreServer) -> dict[str, int]:
    """Triples per graph of ours on the store (the store's own system graphs left out)."""
    target = target_for(server)
    try:
        rows = target.select("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    finally:
        target.close()
    return {row["g"]: int(row["n"]) for row in rows if row["g"].startswith(OURS)}


def clear(server: StoreServer) -> None:
    """Drop every graph of ours from the store."""
    server.extra.pop("loaded", None)
    graphs = list(project_graphs(server))
    if graphs:
        target = target_for(server)
        try:
            target.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in graphs))
        finally:
            target.close()


def _named_only(var: Path) -> Path:
    """``var`` itself when its store has only named graphs; else a copy whose default-graph triples are in
    ``UNNAMED``."""
    store = open_store(Paths(var=var).store)
    quads = list(store.quads_for_pattern(None, None, None, None))
    del store
    if all(not isinstance(q.graph_name, ox.DefaultGraph) for q in quads):
        return var
    copy = Path(tempfile.mkdtemp(prefix="published-var-"))
    moved = [
        ox.Quad(q.subject, q.predicate, q.object, UNNAMED) if isinstance(q.graph_name, ox.DefaultGraph) else q
        for q in quads
    ]
    write_store(moved, Paths(var=copy).store)
    return copy


def load_build(server: StoreServer, var: Path) -> None:
    """Make the store hold exactly the build in ``var`` (publishing it unless it is the one already there)."""
    key = store_identity(Paths(var=var).store)
    if key is not None and server.extra.get("loaded") == key:
        return
    clear(server)
    source = _named_only(var)
    target = target_for(server)
    try:
        report = publish(Paths(var=source), target, force_all=True)
    finally:
        target.close()
        if source != var:
            shutil.rmtree(source, ignore_errors=True)
    assert report.ok, report.mismatches
    if key is not None:
        server.extra["loaded"] = key
