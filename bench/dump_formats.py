"""Where the dump stage spends its time: each writer of ``kg.dumps`` timed alone over a built dataset.

The dataset is re-read from the build's TriG dump (the same named graphs and triples the build wrote), then
``union_graph`` and each writer run once, in a child process per size so that memory does not carry over:

    python -m bench.dump_formats bench/out/var-1000
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def child(var: Path) -> dict[str, float]:
    from rdflib import Dataset

    from kg import dumps

    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    ds = Dataset()
    ds.parse(var / "dumps" / "autoalliance.trig", format="trig")
    timings["parse TriG (not part of the build)"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    union = dumps.union_graph(ds)
    timings["union_graph"] = time.perf_counter() - t0
    for name, write, arg in (("Turtle (_turtle)", dumps._turtle, union), ("TriG (_trig)", dumps._trig, ds),
                             ("N-Triples gz (_ntriples_gz)", dumps._ntriples_gz, union),
                             ("JSON-LD (_jsonld)", dumps._jsonld, union)):
        t0 = time.perf_counter()
        write(arg)
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
