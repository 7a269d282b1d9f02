"""Atomic outputs: a build is written into a directory of its own and becomes current in one step.

``var/current`` is a symbolic link to ``builds/<build-id>``. A new build is staged in
``builds/.staging-<build-id>``, renamed to ``builds/<build-id>`` once complete, and made current by replacing
the link with ``os.replace`` of a new link (a rename: readers see the old build or the new one, never a mix).
A build killed at any moment leaves ``current`` pointing at the last good build; its leftovers are removed by
the next build.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

STAGING_PREFIX = ".staging-"
# Links kept at the top of var/ for readers that still address var/store, var/dumps and var/build.json: they go
# through `current`, so they switch with it.
COMPAT_LINKS = {"store": "current/store", "dumps": "current/dumps", "build.json": "current/build.json"}


def staging_dir(target: Path) -> Path:
    """A fresh, empty ``<target>.new`` beside ``target`` to write into."""
    tmp = target.with_name(target.name + ".new")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    return tmp


def swap_in(staged: Path, target: Path) -> None:
    """Replace ``target`` by the complete directory ``staged`` with two renames, then remove the old one.

    For a directory nobody reads while it changes (tests, tools); builds switch with :func:`make_current`.
    """
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    if old.exists():
        shutil.rmtree(old)


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def current_build(var: Path) -> Path | None:
    """The directory of the current build under ``var``, or None when there is none."""
    link = var / "current"
    try:
        target = (var / os.readlink(link)).resolve()
    except OSError:
        return None
    return target if target.is_dir() else None


def begin_build(builds: Path, build_id: str) -> Path:
    """A fresh, empty staging directory for the build ``build_id``, after removing what killed builds left."""
    builds.mkdir(parents=True, exist_ok=True)
    for leftover in builds.glob(STAGING_PREFIX + "*"):
        shutil.rmtree(leftover, ignore_errors=True)
    staged = builds / f"{STAGING_PREFIX}{build_id}"
    staged.mkdir()
    return staged


def make_current(var: Path, staged: Path, build_id: str, keep: int = 2) -> Path:
    """Make the complete build ``staged`` the current one, atomically; returns its final directory.

    The staged directory is renamed to ``builds/<build_id>``, then ``var/current`` is replaced by a link to it
    with one rename. Builds other than the ``keep`` newest (the new one and the previous one by default) are
    removed afterwards: a reader that still has the previous one open keeps reading it.
    """
    builds = staged.parent
    final = builds / build_id
    if final.exists():  # never replace a build directory: it may be the one being served
        raise FileExistsError(f"{final}: a build with this id exists already")
    staged.rename(final)
    _fsync_dir(builds)
    link, tmp = var / "current", var / ".current.new"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(os.path.relpath(final, var), tmp)
    os.replace(tmp, link)
    _fsync_dir(var)
    _compat_links(var)
    _prune(builds, final, keep)
    return final


def _compat_links(var: Path) -> None:
    for name, target in COMPAT_LINKS.items():
        path = var / name
        if path.is_symlink():
            continue
        if path.is_dir():  # a store or dumps directory of the layout before var/builds
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
        os.symlink(target, path)


def _prune(builds: Path, current: Path, keep: int) -> None:
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and not p.name.startswith(STAGING_PREFIX)),
        key=lambda p: (p.stat().st_mtime, p.name),
        reverse=True,
    )
    kept = [current, *[p for p in done if p != current][: max(keep - 1, 0)]]
    for old in done:
        if old not in kept:
            shutil.rmtree(old, ignore_errors=True)
