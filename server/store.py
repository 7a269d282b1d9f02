"""The application's view of the last good build: its directories (one :class:`kg.config.Paths`), its identity
and the graph the pages read, held in ``app.extensions["autoalliance"]``.

That graph is a :class:`server.backend_graph.GraphSource`: the build's Oxigraph store opened read-only (reopened
when a build replaces it), or, when ``SPARQL_STORE`` is set (``serve --store URL``), the external store that
``autoalliance publish`` loaded the same build into. Whatever is computed about the whole graph (VoID counts,
the sitemap's sizes, the site data) is computed once per build identity (:func:`per_build`), whichever it is.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import pyoxigraph as ox

from kg.config import Paths
from kg.store import open_store, store_identity

from .httperror import HTTPError

if TYPE_CHECKING:
    from flask import Flask

    from .backend_graph import GraphSource

_LOCK = threading.Lock()
STORE_UNAVAILABLE = "the knowledge graph is not available yet; try again shortly"
log = logging.getLogger("autoalliance.store")
T = TypeVar("T")


def extension_state(app: Flask) -> dict[Any, Any]:
    """Return the dict of shared objects of the app (``app.extensions["autoalliance"]``), creating it."""
    return app.extensions.setdefault("autoalliance", {})


def paths(app: Flask) -> Paths:
    """The build outputs ``app`` serves, under ``VAR_DIR``, as a :class:`Paths` (the server reads nothing else:
    no seeds, no ontology sources)."""
    return Paths(var=Path(app.config["VAR_DIR"]))


def store_path(app: Flask) -> Path:
    """The directory of the store the app serves."""
    return paths(app).store


def build_identity(app: Flask) -> str | None:
    """Which build the app serves (``None`` when none is there); per-build caches and ETags key on it."""
    return store_identity(store_path(app))


def graph_source(app: Flask) -> GraphSource:
    """The graph ``app`` serves pages from: the external store when ``SPARQL_STORE`` is set, else the build's
    store (opened on first use, and again after a build replaced it).

    Raises :class:`server.httperror.HTTPError` (503) when no store can be opened; the reason (paths, RocksDB
    details) goes to the log, not to the client.
    """
    if app.config.get("SPARQL_STORE"):
        return _remote_graph(app)
    return _embedded_store(app)


def _remote_graph(app: Flask) -> GraphSource:
    # made afresh when the local build changes (a new build is published with it), like the embedded handle
    state = extension_state(app)
    identity = build_identity(app)
    remote = state.get("remote_graph")
    if remote is None or state.get("remote_identity") != identity:
        with _LOCK:
            remote = state.get("remote_graph")
            if remote is None or state.get("remote_identity") != identity:
                from .backend_graph import RemoteGraph
                from .backend_remote import RemoteBackend

                config = app.config
                backend = RemoteBackend.from_url(
                    config["SPARQL_STORE"], config["SPARQL_STORE_KIND"], timeout=float(config["QUERY_TIMEOUT"])
                )
                if remote is not None:
                    remote.close()
                remote = state["remote_graph"] = RemoteGraph(backend)
                state["remote_identity"] = identity
    return cast("GraphSource", remote)


def _embedded_store(app: Flask) -> ox.Store:
    state = extension_state(app)
    path = store_path(app)
    identity = store_identity(path)
    store = state.get("store")
    if store is not None and state.get("store_identity") == identity:
        return store
    with _LOCK:
        if state.get("store") is None or state.get("store_identity") != identity:
            try:
                state["store"] = open_store(path, read_only=True)
            except OSError as exc:
                log.warning("the store cannot be opened: %s", exc)
                raise HTTPError(503, STORE_UNAVAILABLE, {"Retry-After": "30"}) from None
            state["store_identity"] = identity
        return state["store"]


def per_build(app: Flask, name: str, compute: Callable[[GraphSource], T]) -> T:
    """``compute(graph)`` for the build the app serves, computed once per build and kept under ``name``.

    Whatever the server shows about the whole graph (VoID counts, the DCAT catalogue, the sitemap's counts) is
    computed here once, not per request; a new build computes it afresh. An external store is keyed by the build
    under ``VAR_DIR`` too (the build that ``autoalliance publish`` sent to it) and by the store's URL.
    """
    source = graph_source(app)
    identity = (build_identity(app), app.config.get("SPARQL_STORE") or "")
    state = extension_state(app)
    cached = state.get(("per_build", name))
    if cached is not None and cached[0] == identity:
        return cached[1]
    value = compute(source)
    state[("per_build", name)] = (identity, value)
    return value
