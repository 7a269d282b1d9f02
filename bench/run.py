"""Run the benchmarks: ``python -m bench.run`` (``make bench``).

    python -m bench.run --sizes 1000,10000,100000 --out bench/out
    python -m bench.run --only build --sizes 1000,10000
    python -m bench.run --only query --query-sizes 1000

Sub-benchmarks (``--only``, comma-separated): ``generate`` (the corpora), ``build`` (time and peak memory per
size and per stage, each build in a child process), ``query`` (latency of the same queries on pyoxigraph, the
endpoint, rdflib and rdflib-endpoint, side by side), ``dumps`` (each dump writer timed alone over a build). A
build is skipped, with the reason, when the sizes measured before it predict that it would exceed
``--build-limit`` seconds or the machine's memory. Results go to ``OUT/results.json`` (sub-benchmarks not run
keep their earlier results) and ``OUT/report.md``; docs/benchmarks.md explains them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from .build_scaling import measure_build
from .dump_formats import measure_dumps
from .generate import generate
from .query_latency import measure_queries, ratios
from .report import render

SUBS = ("generate", "build", "query", "dumps")
PACKAGES = (
    "rdflib",
    "pyoxigraph",
    "pyshacl",
    "owlready2",
    "Flask",
    "waitress",
    "rdflib-endpoint",
    "uvicorn",
    "fastapi",
    "ruamel.yaml",
)


def machine() -> dict[str, object]:
    """What the numbers were measured on."""
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = None
    java = shutil.which("java")
    java_version = None
    if java:
        proc = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        java_version = (proc.stderr or proc.stdout).splitlines()[0] if (proc.stderr or proc.stdout) else None
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    cpu = None
    try:
        cpu = next(
            (
                ln.split(":", 1)[1].strip()
                for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")
            ),
            None,
        )
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gb": round(mem_kb / 1024**2, 1) if mem_kb else None,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "java": java_version,
        "packages": versions,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def corpus(out: Path, size: int, seed: int) -> Path:
    """The corpus of ``size`` documents under ``out``, generated unless already there for this seed."""
    target = out / f"corpus-{size}"
    marker = out / f"corpus-{size}.json"
    if marker.exists() and json.loads(marker.read_text()).get("seed") == seed and target.exists():
        return target
    t0 = time.perf_counter()
    stats = generate(target, size, seed)
    marker.write_text(json.dumps({"seed": seed, "seconds": round(time.perf_counter() - t0, 2), "stats": stats}))
    return target


def predict(done: list[dict[str, object]], size: int) -> tuple[float, float]:
    """Seconds and MB a build of ``size`` documents should take, from the growth between the last two sizes."""
    last = done[-1]
    factor = size / float(last["documents"])
    exponent_t = exponent_m = 1.0
    if len(done) >= 2:
        import math

        prev = done[-2]
        span = math.log(float(last["documents"]) / float(prev["documents"]))
        exponent_t = max(1.0, math.log(float(last["seconds"]) / float(prev["seconds"])) / span)
        exponent_m = max(0.5, math.log(float(last["peak_rss_mb"]) / float(prev["peak_rss_mb"])) / span)
    return float(last["seconds"]) * factor**exponent_t, float(last["peak_rss_mb"]) * factor**exponent_m


def run_builds(out: Path, sizes: list[int], seed: int, limit: float, memory_mb: float) -> list[dict[str, object]]:
    builds: list[dict[str, object]] = []
    for size in sizes:
        measured = [b for b in builds if "seconds" in b]
        if measured:
            seconds, mb = predict(measured, size)
            if seconds > limit or mb > memory_mb:
                builds.append(
                    {
                        "documents": size,
                        "skipped": f"predicted {seconds:.0f} s and {mb:.0f} MB peak "
                        f"(limits: {limit:.0f} s, {memory_mb:.0f} MB)",
                    }
                )
                print(f"build {size}: skipped, {builds[-1]['skipped']}", flush=True)
                continue
        seeds = corpus(out, size, seed)
        print(f"build {size}: running", flush=True)
        result = measure_build(seeds, out / f"var-{size}", timeout=limit * 1.5)
        builds.append({"documents": size, **result})
        print(f"build {size}: {result['seconds']} s, peak {result['peak_rss_mb']} MB", flush=True)
    return builds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="Corpus sizes in documents [%(default)s].")
    parser.add_argument(
        "--query-sizes",
        default="1000,10000",
        help="Sizes whose builds the query benchmark uses, when built [%(default)s].",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="Output directory [%(default)s].")
    parser.add_argument("--only", default=",".join(SUBS), help=f"Sub-benchmarks to run, of {', '.join(SUBS)}.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--build-limit",
        type=float,
        default=5400.0,
        help="Skip a build predicted to take longer, in seconds [%(default)s].",
    )
    parser.add_argument(
        "--query-budget",
        type=float,
        default=3.0,
        help="Seconds of runs per query and engine, after the minimum of 3 runs [%(default)s].",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))
    if only - set(SUBS):
        parser.error(f"unknown sub-benchmark(s): {', '.join(sorted(only - set(SUBS)))}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    results_path = out / "results.json"
    results = json.loads(results_path.read_text()) if results_path.exists() else {}
    results["machine"] = machine()
    results["command"] = " ".join(["python -m bench.run", *(argv if argv is not None else sys.argv[1:])])

    if "generate" in only:
        results["corpora"] = {}
        for size in sizes:
            corpus(out, size, args.seed)
            results["corpora"][str(size)] = json.loads((out / f"corpus-{size}.json").read_text())
            print(f"corpus {size}: {results['corpora'][str(size)]['stats']}", flush=True)
    if "build" in only:
        memory_mb = 0.8 * float(results["machine"]["memory_gb"] or 8) * 1024
        results["builds"] = run_builds(out, sizes, args.seed, args.build_limit, memory_mb)
    if "query" in only:
        results["queries"] = {}
        for size in (int(s) for s in args.query_sizes.split(",") if s):
            var = out / f"var-{size}"
            if not (var / "current" / "store" / "CURRENT").exists():
                print(f"query {size}: no build in {var}, skipped", flush=True)
                continue
            print(f"query {size}:", flush=True)
            logs = out / f"query-{size}"
            logs.mkdir(exist_ok=True)
            measured = measure_queries(var, logs, budget=args.query_budget)
            measured["ratios"] = ratios(measured["queries"])
            results["queries"][str(size)] = measured
    if "dumps" in only:
        results["dumps"] = {}
        for size in sizes:
            var = out / f"var-{size}"
            if (var / "current" / "dumps" / "autoalliance.trig").exists():
                results["dumps"][str(size)] = measure_dumps(var)
                print(f"dumps {size}: {results['dumps'][str(size)]}", flush=True)
    results_path.write_text(json.dumps(results, indent=1))
    (out / "report.md").write_text(render(results), encoding="utf-8")
    print(f"wrote {results_path} and {out / 'report.md'}")


if __name__ == "__main__":
    main()
