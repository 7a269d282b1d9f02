"""The embedded Oxigraph store on disk, replaced atomically."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .atomic import staging_dir, swap_in


def store_identity(path: Path | str) -> str | None:
    """Which build is at ``path``, or None when there is no store there.

    ``path`` is usually ``var/store`` or ``var/current/store``, reached through the ``current`` link: the
    identity is the real directory it resolves to (``builds/<build-id>/store``, one per build) and its inode (a
    directory swapped in by a rename at the same path). Readers compare it with the identity they opened to
    notice that a build replaced the store.
    """
    try:
        real = os.path.realpath(path)
        return f"{real}#{os.stat(real).st_ino}"
    except FileNotFoundError:
        return None


def store_opens(path: Path) -> bool:
    """True when ``path`` holds an Oxigraph store that opens (read-only) and answers a query."""
    if not (path / "CURRENT").exists():
        return False
    try:
        store = ox.Store.read_only(str(path))
        bool(store.query("ASK { ?s ?p ?o }"))
    except (OSError, ValueError, RuntimeError):
        return False
    del store
    return True


def open_store(path: Path, read_only: bool = True) -> ox.Store:
    """Open the store at ``path``; read-only by default, as the server uses it.

    Raises ``FileNotFoundError`` when no store has been built there.
    """
    if not (path / "CURRENT").exists():
        raise FileNotFoundError(f"{path}: no Oxigraph store here; run `autoalliance build` first")
    return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))


def stage_store(quads: Iterable[ox.Quad], path: Path) -> tuple[Path, int]:
    """Write ``quads`` into a new store beside ``path`` (``<path>.new``); returns it and the number of quads.

    Nothing at ``path`` changes until :func:`kg.atomic.swap_in` puts the staged store in place.
    """
    tmp = staging_dir(path)
    store = ox.Store(str(tmp))
    store.bulk_extend(quads)
    store.flush()
    store.optimize()
    count = len(store)
    del store
    return tmp, count


def write_store(quads: Iterable[ox.Quad], path: Path) -> int:
    """Write ``quads`` into a new store at ``path``, replacing any store there only once it is complete.

    Returns the number of quads; a failure leaves the previous store untouched.
    """
    staged, count = stage_store(quads, path)
    swap_in(staged, path)
    return count
