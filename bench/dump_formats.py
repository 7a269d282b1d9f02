"""Where the dump stage spends its time: the dumps of a build written again from its store, with and without
the per-graph cache.

    python -m bench.dump_formats bench/out/var-1000
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def child(var: Path) -> dict[str, float]:
    import pyoxigraph as ox

    from kg import dumps

    store = ox.Store.read_only(str(var / "current" / "store"))
    timings: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        for name, root in (("all dumps, nothing cached", cache), ("all dumps, every graph's parts cached", cache)):
            t0 = time.perf_counter()
            dumps.write_dumps(store, Path(tmp) / name.replace(" ", "-"), root)
            timings[name] = time.perf_counter() - t0
        t0 = time.perf_counter()
        graphs = [g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)]
        lines = {g: dumps.graph_lines(store, g) for g in graphs}
        timings["read and sort every graph"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        for data in lines.values():
            dumps.render_parts(data)
        timings["render every graph's parts (Turtle, TriG, N-Triples gz, JSON-LD)"] = time.perf_counter() - t0
    return {k: round(v, 2) for k, v in timings.items()}


def measure_dumps(var: Path) -> dict[str, float]:
    """Time the dump writer over the build in ``var``, in a fresh process; returns name -> seconds."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.dump_formats", str(var)], capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"dump timing of {var} failed:\n{proc.stderr[-4000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    print(json.dumps(child(Path(sys.argv[1]))))
