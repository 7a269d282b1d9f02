"""Where the dump stage spends its time: each writer of ``kg.dumps`` timed alone over a built dataset.

The dataset is re-read from the build's TriG dump (the same named graphs and triples the build wrote), then
the quads sorted and each writer run once, in a child process per size so that memory does not carry over:

    python -m bench.dump_formats bench/out/var-1000
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def child(var: Path) -> dict[str, float]:
    import pyoxigraph as ox

    from kg import dumps

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    with open(var / "dumps" / "autoalliance.trig", "rb") as f:
        quads = list(ox.parse(f, format=ox.RdfFormat.TRIG))
    timings["parse TriG (not part of the build)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    ordered = dumps._sorted_quads(quads)
    triples = dumps._union_triples(ordered)
    timings["sort quads and triples"] = time.perf_counter() - t0
    writers = (
        ("Turtle", lambda: ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=dumps.DUMP_PREFIXES)),
        ("TriG", lambda: ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=dumps.DUMP_PREFIXES)),
        ("N-Triples gz", lambda: dumps._gzip(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "x.nt")),
        ("JSON-LD (jsonld)", lambda: dumps.jsonld(triples)),
    )
    for name, write in writers:
        t0 = time.perf_counter()
        write()
        timings[name] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def measure_dumps(var: Path) -> dict[str, float]:
    """Time each dump writer over the build in ``var``, in a fresh process; returns name -> seconds."""
    proc = subprocess.run([sys.executable, "-m", "bench.dump_formats", str(var)], capture_output=True, text=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"dump timing of {var} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(child(Path(sys.argv[1]))))
