"""Replacing output directories atomically, so a failed build leaves the last good one in place."""

from __future__ import annotations

import shutil
from pathlib import Path


def staging_dir(target: Path) -> Path:
    """A fresh, empty ``<target>.new`` beside ``target`` to write into."""
    tmp = target.with_name(target.name + ".new")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.parent.mkdir(parents=True, exist_ok=True)
    return tmp


def swap_in(staged: Path, target: Path) -> None:
    """Replace ``target`` by the complete directory ``staged`` with two renames, then remove the old one."""
    old = target.with_name(target.name + ".old")
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        target.rename(old)
    staged.rename(target)
    if old.exists():
        shutil.rmtree(old)
