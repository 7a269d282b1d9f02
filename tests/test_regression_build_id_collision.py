"""Regression: two builds of unchanged inputs within the same second got the same id, and the second build's
switch removed ``builds/<id>``, the directory the current build was served from, before renaming the new one
into place."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.atomic import make_current
from kg.build import build_id


def test_ids_of_builds_started_together_differ() -> None:
    ids = {build_id("0" * 64) for _ in range(200)}
    assert len(ids) > 1
    assert sorted(ids) == sorted(ids, key=lambda i: i.split("-")[0])  # still sortable by time


def test_switch_never_removes_an_existing_build(tmp_path: Path) -> None:
    var = tmp_path / "var"
    builds = var / "builds"
    first = builds / ".staging-a"
    first.mkdir(parents=True)
    (first / "marker").write_text("first")
    served = make_current(var, first, "same-id")
    second = builds / ".staging-b"
    second.mkdir()
    with pytest.raises(FileExistsError):
        make_current(var, second, "same-id")
    assert (served / "marker").read_text() == "first"
    assert (var / "current" / "marker").read_text() == "first"
    shutil.rmtree(second)
