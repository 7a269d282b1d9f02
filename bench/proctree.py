"""A process and its descendants, read from ``/proc``: their summed memory and CPU time (Linux)."""

from __future__ import annotations

import os
import re
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, int, float]]:
    """Every process: pid -> (parent pid, VmRSS in kB, CPU seconds of user and system time)."""
    found: dict[int, tuple[int, int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            status = Path(f"/proc/{entry}/status").read_text()
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(re.search(r"^PPid:\s+(\d+)", status, re.M).group(1))  # type: ignore[union-attr]
        rss = re.search(r"^VmRSS:\s+(\d+)", status, re.M)
        fields = stat[stat.rindex(")") + 2 :].split()  # the name in parentheses may hold spaces
        found[int(entry)] = (ppid, int(rss.group(1)) if rss else 0, (int(fields[11]) + int(fields[12])) / _TICKS)
    return found


def tree(roots: list[int]) -> tuple[int, float]:
    """The summed resident set size (kB) and CPU seconds of ``roots`` and all their descendants (0 for processes
    that have gone)."""
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in processes.items():
        children.setdefault(ppid, []).append(pid)
    rss, cpu, todo = 0, 0.0, list(roots)
    while todo:
        pid = todo.pop()
        if pid in processes:
            rss += processes[pid][1]
            cpu += processes[pid][2]
        todo.extend(children.get(pid, []))
    return rss, cpu
