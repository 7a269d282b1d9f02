"""Build scaling: time and peak memory of ``kg.build.build`` per corpus size, in total and per stage.

Each build runs in a child process of its own (``python -m bench.build_scaling --child SEEDS VAR``), so that
its peak resident set size (``ru_maxrss``) is its own and not the largest of the sizes before it. The child
times the stages two ways: between the ``progress`` messages of :func:`kg.build.build` (the public stages), and
around the functions ``kg.build`` calls (read_corpus, map_corpus, validate_dataset, check_consistency, infer,
stage_dumps, stage_store, ...), which splits a stage such as "loading the Oxigraph store" into its parts.
HermiT runs in a Java child of the child: its peak is ``ru_maxrss`` of RUSAGE_CHILDREN.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

# The functions kg.build calls, by the name it imported them under.
TIMED_FUNCTIONS = ("load_ontology", "domain_slugs", "read_corpus", "map_corpus", "union_graph", "validate_dataset",
                   "check_consistency", "infer", "stage_dumps", "_quads", "stage_store", "swap_in", "input_digest")


def _rss_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux: kilobytes


def child(seeds: Path, var: Path) -> dict[str, object]:
    """Run one build in this process; returns stage and function timings, peak memory and the manifest."""
    import kg.build as kb
    from kg.config import Paths

    functions: dict[str, float] = {}

    def timed(name: str, f):  # noqa: ANN001, ANN202
        @functools.wraps(f)
        def wrapper(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            t0 = time.perf_counter()
            try:
                return f(*args, **kwargs)
            finally:
                functions[name] = functions.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    for name in TIMED_FUNCTIONS:
        setattr(kb, name, timed(name, getattr(kb, name)))
    events: list[tuple[str, float, float]] = []

    def progress(step: str) -> None:
        events.append((step, time.perf_counter(), _rss_mb(resource.RUSAGE_SELF)))

    t0 = time.perf_counter()
    manifest = kb.build(Paths(seeds=seeds, var=var), progress)
    end = time.perf_counter()
    events.append(("end", end, _rss_mb(resource.RUSAGE_SELF)))
    stages = [{"stage": step, "seconds": round(events[i + 1][1] - t, 3), "peak_rss_mb_after": round(events[i + 1][2])}
              for i, (step, t, _) in enumerate(events[:-1])]
    return {
        "seconds": round(end - t0, 3),
        "peak_rss_mb": round(_rss_mb(resource.RUSAGE_SELF)),
        "peak_rss_children_mb": round(_rss_mb(resource.RUSAGE_CHILDREN)),
        "stages": stages,
        "functions": {k: round(v, 3) for k, v in functions.items()},
        "quads": manifest["quads"],
        "graphs": len(manifest["graphs"]),
    }


def measure_build(seeds: Path, var: Path, timeout: float | None = None) -> dict[str, object]:
    """Build ``seeds`` into ``var`` in a fresh Python process and return what :func:`child` measured."""
    cmd = [sys.executable, "-m", "bench.build_scaling", "--child", str(seeds), str(var)]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"build of {seeds} failed ({proc.returncode}):\n{proc.stderr[-4000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result["process_seconds"] = round(wall, 3)
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Measure one build in this process (used by bench.run).")
    parser.add_argument("--child", nargs=2, metavar=("SEEDS", "VAR"), type=Path, required=True)
    args = parser.parse_args(argv)
    print(json.dumps(child(*args.child)))


if __name__ == "__main__":
    main()
