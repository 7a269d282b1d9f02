"""The build's cache on disk (``var/cache/``): results keyed by the SHA-256 of exactly what they depend on.

A key is a digest of named parts (:func:`digest`); an entry is written once, atomically (a temporary file
renamed into place), and never changed, so concurrent readers and a killed writer are both harmless. Entries
are spread over 256 sub-directories per kind, so no directory grows to the size of the corpus.
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import time
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
        self._root = str(self.root)

    def path(self, key: str, suffix: str = "") -> Path:
        """Where the entry ``key`` lives (whether or not it exists)."""
        return Path(self.file(key, suffix))

    def file(self, key: str, suffix: str = "") -> str:
        """:meth:`path` as a string (thousands of entries are looked up per build: no ``Path`` objects)."""
        return os.path.join(self._root, key[:2], key + suffix)

    def get_bytes(self, key: str, suffix: str = "") -> bytes | None:
        """The entry's bytes, or None when absent."""
        try:
            with open(self.file(key, suffix), "rb") as entry:
                return entry.read()
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


class Memo:
    """What the last build looked up, in one file (``root/name``, marshal): read whole and written whole, so that
    a build finds the entries of thousands of unchanged documents without opening a file for each. The entries of
    :class:`Cache` stay the source of truth for any key the memo lacks."""

    def __init__(self, root: Path, name: str) -> None:
        self.path = root / name
        try:
            known = marshal.loads(self.path.read_bytes())
        except (OSError, EOFError, ValueError, TypeError):
            known = {}
        self.known: dict[Any, Any] = known if isinstance(known, dict) else {}

    def save(self, entries: dict[Any, Any]) -> None:
        """Replace the memo by ``entries`` (strings, numbers, tuples, lists and dicts), atomically."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(entries))
        os.replace(tmp, self.path)


class FileDigests:
    """The SHA-256 of input files, remembered with their size, modification and change times and inode
    (``root/file-digests.marshal``), as git's index remembers them: a file whose status has not changed since
    its digest was taken is not read again. A file changed less than ``RACY_NS`` before its status was taken is
    not remembered, since a second change within the same tick of the clock would not show."""

    NAME = "file-digests.marshal"
    RACY_NS = 2_000_000_000

    def __init__(self, root: Path, racy_ns: int = RACY_NS) -> None:
        self.memo = Memo(root, self.NAME)
        self.known: dict[str, tuple[int, int, int, int, str]] = self.memo.known
        self.racy_ns = racy_ns
        self.kept: dict[str, tuple[int, int, int, int, str]] = {}

    @staticmethod
    def status(path: Path) -> tuple[int, int, int, int]:
        """What is compared: size, modification time, inode, change time."""
        st = path.stat()
        return (st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns)

    def get(self, path: Path, status: tuple[int, int, int, int]) -> str | None:
        """The digest remembered for ``path`` when its ``status`` (taken before it is read) is unchanged."""
        entry = self.known.get(str(path))
        if entry is None or entry[:4] != status:
            return None
        self.kept[str(path)] = entry
        return entry[4]

    def put(self, path: Path, status: tuple[int, int, int, int], digest_: str) -> None:
        """Remember ``digest_`` of ``path``, whose ``status`` was taken before it was read."""
        if time.time_ns() - max(status[1], status[3]) >= self.racy_ns:
            self.kept[str(path)] = (*status, digest_)

    def save(self) -> None:
        """Write what was looked up or put since this object was made (the files of one build) atomically."""
        self.memo.save(dict(sorted(self.kept.items())))
