"""Numbered releases: each build whose content changed, with its date, checksums and a changelog.

``var/releases/releases.json`` lists every release, oldest first, as
``{"number", "date", "build", "dumps": {name: sha256}, "exports": {name: sha256}, "changelog": {...},
"available": bool}``. ``var/releases/<number>/`` keeps that release's dumps and exports (for the last
``keep`` releases; older ones keep their entry, checksums and changelog) and its ``content.tsv.gz``.

The changelog compares the sorted ``(kind, IRI, digest)`` lines that the build writes (``kg.sitedata``'s
``content.tsv``) with the previous release's, in one merge pass over two sorted files: deals, firms and quotes
added, changed (their description differs) and removed. No graph is held in memory for it.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INDEX = "releases.json"
CONTENT = "content.tsv.gz"
CHANGELOG = "changelog.json"
KEEP_DEFAULT = 5
LISTED = 50  # IRIs per list of changes in releases.json; the release's changelog.json has them all
KINDS = ("deal", "firm", "quote")


def keep_releases() -> int:
    """How many releases keep their files: ``AUTOALLIANCE_KEEP_RELEASES``, default 5 (at least 1)."""
    try:
        return max(int(os.environ.get("AUTOALLIANCE_KEEP_RELEASES", KEEP_DEFAULT)), 1)
    except ValueError:
        return KEEP_DEFAULT


def read_index(releases: Path) -> list[dict[str, Any]]:
    """The releases listed in ``releases/releases.json``, oldest first (``[]`` when there are none)."""
    try:
        return json.loads((releases / INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []


def _rows(lines: Iterator[str]) -> Iterator[tuple[str, str, str]]:
    for line in lines:
        kind, iri, digest = line.rstrip("\n").split("\t")
        yield kind, iri, digest


def _open_content(path: Path | None) -> Iterator[tuple[str, str, str]]:
    if path is None or not path.exists():
        return
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        yield from _rows(f)


def changelog(previous: Path | None, current: Path) -> dict[str, dict[str, list[str]]]:
    """``{kind: {"added": [...], "changed": [...], "removed": [...]}}`` between two sorted content files."""
    result: dict[str, dict[str, list[str]]] = {kind: {"added": [], "changed": [], "removed": []} for kind in KINDS}
    old, new = _open_content(previous), _open_content(current)
    a, b = next(old, None), next(new, None)
    while a is not None or b is not None:
        if b is None or (a is not None and a[:2] < b[:2]):
            assert a is not None  # the loop runs while either side has a row
            result.setdefault(a[0], {"added": [], "changed": [], "removed": []})["removed"].append(a[1])
            a = next(old, None)
        elif a is None or b[:2] < a[:2]:
            result.setdefault(b[0], {"added": [], "changed": [], "removed": []})["added"].append(b[1])
            b = next(new, None)
        else:
            if a[2] != b[2]:
                result.setdefault(b[0], {"added": [], "changed": [], "removed": []})["changed"].append(b[1])
            a, b = next(old, None), next(new, None)
    return result


def summarize(changes: dict[str, dict[str, list[str]]], listed: int = LISTED) -> dict[str, Any]:
    """Counts of every change, and the first ``listed`` IRIs of each list."""
    return {
        kind: {what: {"count": len(iris), "first": iris[:listed]} for what, iris in lists.items()}
        for kind, lists in changes.items()
    }


def _copy(source: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(source.iterdir()) if source.is_dir() else []:
        if path.is_file():
            try:
                os.link(path, target / path.name)  # the build's files are never rewritten in place
            except OSError:
                shutil.copy2(path, target / path.name)


def _write_json(path: Path, data: object) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def record_release(
    releases: Path,
    build: str,
    dumps: Path,
    dump_sums: dict[str, str],
    exports: Path,
    export_sums: dict[str, str],
    content: Path,
    keep: int | None = None,
) -> dict[str, Any] | None:
    """Record the build ``build`` as a new release when its content differs from the last release's.

    ``dumps`` and ``exports`` are the build's directories (their files are kept with the release),
    ``content`` its ``content.tsv``. Returns the new entry, or ``None`` when nothing changed.
    """
    entries = read_index(releases)
    last = entries[-1] if entries else None
    if last is not None and last["dumps"] == dump_sums and last.get("exports") == export_sums:
        return None
    number = (last["number"] + 1) if last else 1
    directory = releases / str(number)
    if directory.exists():  # left by a build that stopped before updating the index
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    _copy(dumps, directory / "dumps")
    _copy(exports, directory / "exports")
    with open(content, "rb") as src, gzip.GzipFile(directory / CONTENT, "wb", compresslevel=6, mtime=0) as dst:
        shutil.copyfileobj(src, dst)
    previous = releases / str(last["number"]) / CONTENT if last else None
    changes = changelog(previous, content)
    _write_json(directory / CHANGELOG, changes)
    entry = {
        "number": number,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "build": build,
        "dumps": dump_sums,
        "exports": export_sums,
        "changelog": summarize(changes),
        "available": True,
    }
    entries.append(entry)
    for old in entries[: -(keep or keep_releases())]:
        if old.get("available"):
            old["available"] = False
            for sub in ("dumps", "exports"):
                shutil.rmtree(releases / str(old["number"]) / sub, ignore_errors=True)
    for old in entries[:-1]:  # only the last release's content is compared with the next
        (releases / str(old["number"]) / CONTENT).unlink(missing_ok=True)
    _write_json(releases / INDEX, entries)
    return entry
