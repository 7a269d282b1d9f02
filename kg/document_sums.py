"""``seeds/documents/SHA256SUMS``: the SHA-256 of every article, so a changed text is noticed.

The file has the format of ``sha256sum`` (``<hex>  <name>`` per line), so ``cd seeds/documents && sha256sum -c
SHA256SUMS`` checks it too. ``autoalliance draft`` adds the line of the article it drafts.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

SUMS = "SHA256SUMS"


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, as lower-case hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def read_sums(documents: Path) -> dict[str, str]:
    """Name -> SHA-256 as listed in ``<documents>/SHA256SUMS`` (empty when there is none).

    Raises ``ValueError`` naming the line when a line is not ``<64 hex>  <name>``.
    """
    path = documents / SUMS
    if not path.exists():
        return {}
    sums: dict[str, str] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        if not sep or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest) or not name:
            raise ValueError(f"{path}:{number}: expected '<sha256>  <file name>'")
        sums[name.removeprefix("*")] = digest
    return sums


def sum_mismatches(documents: Path) -> list[str]:
    """What differs between the ``*.txt`` of ``documents`` and its ``SHA256SUMS``, one message per file."""
    listed = read_sums(documents)
    found = {p.name: file_sha256(p) for p in sorted(documents.glob("*.txt"))}
    problems = [f"{documents / name}: not listed in {SUMS}" for name in sorted(found.keys() - listed.keys())]
    problems += [
        f"{documents / SUMS}: lists {name}, which does not exist" for name in sorted(listed.keys() - found.keys())
    ]
    problems += [
        f"{documents / name}: SHA-256 {found[name]} differs from {SUMS} ({listed[name]}): the text changed"
        for name in sorted(found.keys() & listed.keys())
        if found[name] != listed[name]
    ]
    return problems


def record_sum(document: Path) -> str:
    """Add or update the line of ``document`` in the ``SHA256SUMS`` beside it; returns its SHA-256."""
    sums = read_sums(document.parent)
    sums[document.name] = file_sha256(document)
    replace_text(document.parent / SUMS, "".join(f"{sums[n]}  {n}\n" for n in sorted(sums)))
    return sums[document.name]


def replace_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename: readers see the old or the new file."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
