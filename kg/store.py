"""The embedded Oxigraph store on disk, replaced atomically."""

from __future__ import annotations

import shutil
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox


def open_store(path: Path, read_only: bool = True) -> ox.Store:
    """Open the store at ``path``; read-only by default, as the server uses it.

    Raises ``FileNotFoundError`` when no store has been built there.
    """
    if not (path / "CURRENT").exists():
        raise FileNotFoundError(f"{path}: no Oxigraph store here; run `autoalliance build` first")
    return ox.Store.read_only(str(path)) if read_only else ox.Store(str(path))


def write_store(quads: Iterable[ox.Quad], path: Path) -> int:
    """Write ``quads`` into a new store at ``path``, replacing any store there only once it is complete.

    Returns the number of quads. The new store is built beside the old one and swapped in with renames, so a
    failure leaves the previous store untouched.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".new")
    old = path.with_name(path.name + ".old")
    for leftover in (tmp, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    store = ox.Store(str(tmp))
    store.bulk_extend(quads)
    store.flush()
    store.optimize()
    count = len(store)
    del store
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    if old.exists():
        shutil.rmtree(old)
    return count
