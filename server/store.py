"""The application's view of the last good build: its directories (one :class:`kg.config.Paths`), its identity
and a read-only handle on its Oxigraph store, held in ``app.extensions["autoalliance"]``.

The build replaces the store atomically, so the handle is reopened when the build identity changes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import pyoxigraph as ox

from kg.config import Paths
from kg.store import open_store, store_identity

from .httperror import HTTPError

if TYPE_CHECKING:
    from flask import Flask

_LOCK = threading.Lock()
STORE_UNAVAILABLE = "the knowledge graph is not available yet; try again shortly"
log = logging.getLogger("autoalliance.store")
T = TypeVar("T")


def extension_state(app: Flask) -> dict[Any, Any]:
    """Return the dict of shared objects of the app (``app.extensions["autoalliance"]``), creating it."""
    return app.extensions.setdefault("autoalliance", {})


def paths(app: Flask) -> Paths:
    """The directories of ``app`` (``VAR_DIR``, ``SEEDS_DIR``, ``ONTOLOGY_DIR``) as one :class:`Paths`."""
    config = app.config
    return Paths(seeds=Path(config["SEEDS_DIR"]), ontology=Path(config["ONTOLOGY_DIR"]), var=Path(config["VAR_DIR"]))


def store_path(app: Flask) -> Path:
    """The directory of the store the app serves."""
    return paths(app).store


def build_identity(app: Flask) -> str | None:
    """Which build the app serves (``None`` when none is there); per-build caches and ETags key on it."""
    return store_identity(store_path(app))


def get_store(app: Flask) -> ox.Store:
    """Return the read-only store of ``app``, opening it on first use or after the build replaced it.

    Raises :class:`server.httperror.HTTPError` (503) when no store can be opened; the reason (paths, RocksDB
    details) goes to the log, not to the client.
    """
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


def per_build(app: Flask, name: str, compute: Callable[[ox.Store], T]) -> T:
    """``compute(store)`` for the build the app serves, computed once per build and kept under ``name``.

    Whatever the server shows about the whole store (VoID counts, the DCAT catalogue, the sitemap's counts) is
    computed here once, not per request; a new build (a new store handle) computes it afresh.
    """
    store = get_store(app)
    state = extension_state(app)
    cached = state.get(("per_build", name))
    if cached is not None and cached[0] is store:
        return cached[1]
    value = compute(store)
    state[("per_build", name)] = (store, value)
    return value
