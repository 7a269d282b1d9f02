"""The build's site data (``kg.sitedata``), read by pages: the summary and the SQLite index.

The build writes them beside the store. A build without them (an older build, hand-made test data) gets them
computed once from the graph the app serves (``server.store.graph_source``: the embedded store or the external
one), into a private temporary directory that is removed when the next build replaces it, when the app is
garbage-collected, or when the process exits: never per request, and never left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import tempfile
import threading
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g

from kg.config import Paths
from kg.sitedata import INDEX, SUMMARY, write_site_data

from .page_guard import bound_sqlite
from .store import build_identity, extension_state, graph_source

_LOCK = threading.Lock()
TEMP_PREFIX = "autoalliance-site-"


def site_path(app: Flask) -> Path:
    """The site directory of the build the app serves."""
    return Paths(var=Path(app.config["VAR_DIR"])).site


@dataclass(frozen=True)
class SiteData:
    """The summary (counts, home network, timeline) and the path of the index of one build."""

    summary: dict[str, Any]
    index: Path


def _complete(directory: Path) -> bool:
    return (directory / SUMMARY).is_file() and (directory / INDEX).is_file()


def sweep_orphans(root: Path | None = None) -> None:
    """Remove the site-data directories of processes that are gone (a server killed before its exit handlers
    ran); their names carry the process id."""
    for directory in Path(root or tempfile.gettempdir()).glob(TEMP_PREFIX + "*"):
        pid = directory.name.removeprefix(TEMP_PREFIX).split("-", 1)[0]
        if not pid.isdigit():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(directory, ignore_errors=True)
        except PermissionError:  # another user's live process
            pass


def site_data(app: Flask | None = None) -> SiteData:
    """The site data of the store ``app`` serves (computing it once when the build did not write it)."""
    # flask types current_app as Flask, though it is a LocalProxy with this method
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    state = extension_state(app)
    identity = build_identity(app)
    cached = state.get("site_data")
    if cached is not None and cached[0] == identity:
        return cached[1]
    with _LOCK:
        cached = state.get("site_data")
        if cached is not None and cached[0] == identity:
            return cached[1]
        directory = site_path(app)
        if not _complete(directory):
            previous = state.pop("site_data_tmp", None)
            if previous is not None:
                previous()  # the finalizer removes the directory of the build this one replaces
            sweep_orphans()
            directory = Path(tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-"))
            state["site_data_tmp"] = weakref.finalize(app, shutil.rmtree, directory, True)
            write_site_data(graph_source(app), directory)  # type: ignore[arg-type]  # a GraphSource is enough
        data = SiteData(json.loads((directory / SUMMARY).read_text(encoding="utf-8")), directory / INDEX)
        state["site_data"] = (identity, data)
        return data


def index_db() -> sqlite3.Connection:
    """A read-only connection to the index of the current build, for this request (closed at its end), whose
    statements stop at the request's deadline."""
    db = g.get("site_index")
    if db is None:
        path = site_data().index
        db = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
        db.row_factory = sqlite3.Row
        bound_sqlite(db)
        g.site_index = db
    return db


def close_index(_: BaseException | None = None) -> None:
    """Close the request's index connection."""
    db = g.pop("site_index", None)
    if db is not None:
        db.close()


def init_app(app: Flask) -> None:
    """Close index connections at the end of each request."""
    app.teardown_appcontext(close_index)
