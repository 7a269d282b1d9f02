"""One build at a time: an exclusive lock on ``var/build.lock`` held for the whole build."""

from __future__ import annotations

import fcntl
import gc
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .errors import KGError


class BuildLocked(KGError):
    """Another build holds the lock of this var directory."""


@contextmanager
def build_lock(path: Path) -> Iterator[None]:
    """Hold the exclusive lock ``path`` for the duration of the block.

    Raises :class:`BuildLocked`, naming the process that holds it, when another build runs. The lock is the
    kernel's (``flock``): it goes with the process, so a killed build never leaves a stale lock behind.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            time.sleep(0.05)  # the holder writes who it is right after it takes the lock
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another process"
            raise BuildLocked(f"another build is running ({holder}); try again when it has finished") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def die_with_parent() -> None:
    """Linux: end this worker when the build that started it dies (killed builds leave no workers behind)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def return_free_memory() -> None:
    """Linux (glibc): collect garbage and give the freed heap back to the system (``malloc_trim``), so that this
    process does not keep the peak of a stage that is over while the processes it starts next run."""
    gc.collect()
    try:
        import ctypes

        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass
