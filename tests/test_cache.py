"""kg.cache: file digests remembered by file status, as git's index does."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from kg.cache import FileDigests, file_digest


def aged(path: Path, text: str) -> Path:
    """``path`` written with ``text``, its modification time set in the past."""
    path.write_text(text, encoding="utf-8")
    old = path.stat().st_mtime_ns - 10 * FileDigests.RACY_NS
    os.utime(path, ns=(old, old))
    return path


def test_an_unchanged_file_is_not_read_again(tmp_path: Path) -> None:
    path = aged(tmp_path / "a.txt", "one")
    digests = FileDigests(tmp_path / "cache", racy_ns=0)  # its change time is now: not racy for this test
    status = FileDigests.status(path)
    assert digests.get(path, status) is None
    digests.put(path, status, file_digest(path))
    digests.save()
    again = FileDigests(tmp_path / "cache")
    assert again.get(path, FileDigests.status(path)) == hashlib.sha256(b"one").hexdigest()


def test_a_changed_file_of_the_same_size_and_time_is_read_again(tmp_path: Path) -> None:
    path = aged(tmp_path / "a.txt", "one")
    digests = FileDigests(tmp_path / "cache", racy_ns=0)
    digests.put(path, FileDigests.status(path), file_digest(path))
    digests.save()
    mtime = path.stat().st_mtime_ns
    path.write_text("two", encoding="utf-8")  # same size
    os.utime(path, ns=(mtime, mtime))  # same modification time: the change time still moves
    assert FileDigests(tmp_path / "cache").get(path, FileDigests.status(path)) is None


def test_a_file_changed_just_now_is_not_remembered(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("one", encoding="utf-8")
    digests = FileDigests(tmp_path / "cache")
    digests.put(path, FileDigests.status(path), file_digest(path))
    digests.save()
    assert FileDigests(tmp_path / "cache").get(path, FileDigests.status(path)) is None


def test_a_damaged_memory_is_ignored(tmp_path: Path) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / FileDigests.NAME).write_bytes(b"\x00garbage")
    path = aged(tmp_path / "a.txt", "one")
    assert FileDigests(tmp_path / "cache").get(path, FileDigests.status(path)) is None
