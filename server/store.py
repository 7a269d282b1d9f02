"""The application's read-only handle on the Oxigraph store, held in ``app.extensions["autoalliance"]``.

The build replaces the store directory atomically (a rename), so the handle is reopened when the directory
under ``VAR_DIR/store`` is no longer the one it was opened on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pyoxigraph as ox
from flask import Flask

from kg.store import open_store, store_identity

_LOCK = threading.Lock()
T = TypeVar("T")


def extension_state(app: Flask) -> dict[str, Any]:
    """Return the dict of shared objects of the app (``app.extensions["autoalliance"]``), creating it."""
    return app.extensions.setdefault("autoalliance", {})


def store_path(app: Flask) -> Path:
    """The directory of the store the app serves: ``VAR_DIR/store``."""
    return Path(app.config["VAR_DIR"]) / "store"


def get_store(app: Flask) -> ox.Store:
    """Return the read-only store of ``app``, opening it on first use or after the build replaced it.

    Raises ``FileNotFoundError`` when no store has been built under ``VAR_DIR``.
    """
    state = extension_state(app)
    path = store_path(app)
    identity = store_identity(path)
    store = state.get("store")
    if store is not None and state.get("store_identity") == identity:
        return store
    with _LOCK:
        if state.get("store") is None or state.get("store_identity") != identity:
            state["store"] = open_store(path, read_only=True)
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
        return cached[1]  # type: ignore[no-any-return]
    value = compute(store)
    state[("per_build", name)] = (store, value)
    return value
