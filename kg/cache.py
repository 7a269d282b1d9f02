"""The build's cache on disk (``var/cache/``): results keyed by the SHA-256 of exactly what they depend on.

A key is a digest of named parts (:func:`digest`); an entry is written once, atomically (a temporary file
renamed into place), and never changed, so concurrent readers and a killed writer are both harmless. Entries
are spread over 256 sub-directories per kind, so no directory grows to the size of the corpus.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from . import __version__


def digest(*parts: str | bytes) -> str:
    """SHA-256 of ``parts`` (each length-prefixed, so ("ab", "c") and ("a", "bc") differ), as hex."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of the content of ``path``, as hex; the empty string when it does not exist."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return ""


def files_digest(paths: list[Path], root: Path) -> str:
    """One digest over the names (relative to ``root``) and contents of ``paths``, in the given order."""
    return digest(__version__, *(f"{p.relative_to(root)}\0{file_digest(p)}" for p in paths))


class Cache:
    """Entries of one ``kind`` under ``root/kind/``: bytes or JSON values by key."""

    def __init__(self, root: Path, kind: str) -> None:
        self.root = root / kind

    def path(self, key: str, suffix: str = "") -> Path:
        """Where the entry ``key`` lives (whether or not it exists)."""
        return self.root / key[:2] / (key + suffix)

    def get_bytes(self, key: str, suffix: str = "") -> bytes | None:
        """The entry's bytes, or None when absent."""
        try:
            return self.path(key, suffix).read_bytes()
        except FileNotFoundError:
            return None

    def put_bytes(self, key: str, data: bytes, suffix: str = "") -> Path:
        """Write the entry atomically; returns its path."""
        target = self.path(key, suffix)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return target

    def get_json(self, key: str) -> Any:
        """The entry's JSON value, or None when absent or unreadable (a damaged entry is recomputed)."""
        data = self.get_bytes(key, ".json")
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError:
            return None

    def put_json(self, key: str, value: Any) -> None:
        """Write the JSON value ``value`` atomically."""
        self.put_bytes(key, json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), ".json")
