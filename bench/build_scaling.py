"""Build scaling: full and incremental build time and peak memory of all processes, per corpus size.

Each build runs in a child process (``python -m bench.build_scaling --child SEEDS VAR``) that times the stages
between the ``progress`` messages of :func:`kg.build.build`. The parent samples, every 0.1 s, the resident set
size of the child's whole process tree (the pool's workers and HermiT's Java included) and keeps the peak of
the sum. After a clean build it measures the incremental ones on the same var directory: after editing one
document's annotations (a deal's label), after adding one new document, and with nothing changed.

    python -m bench.build_scaling --sizes 1000,10000 --out bench/out
"""

from __future__ import annotations

import argparse
import json
import math
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from .proctree import tree


def child(seeds: Path, var: Path) -> dict[str, object]:
    """Run one build in this process; returns the stage timings and the manifest's counts."""
    from kg.build import build
    from kg.config import Paths

    events: list[tuple[str, float]] = []
    t0 = time.perf_counter()
    manifest = build(Paths(seeds=seeds, var=var), lambda step: events.append((step, time.perf_counter())))
    end = time.perf_counter()
    events.append(("end", end))
    stages = [
        {"stage": re.sub(r" \(.*\)$", "", step), "seconds": round(events[i + 1][1] - t, 3)}
        for i, (step, t) in enumerate(events[:-1])
    ]
    import resource

    return {
        "seconds": round(end - t0, 3),
        "stages": stages,
        "functions": {},
        "quads": manifest["quads"],
        "graphs": len(manifest["graphs"]),  # type: ignore[arg-type]
        "self_peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def measure_build(seeds: Path, var: Path, timeout: float | None = None) -> dict[str, object]:
    """Build ``seeds`` into ``var`` in a child process; its timings and the peak RSS of its process tree."""
    cmd = [sys.executable, "-m", "bench.build_scaling", "--child", str(seeds), str(var)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree([proc.pid])[0])
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        done.set()
        sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"build of {seeds} failed ({proc.returncode}):\n{err[-4000:]}")
    result = json.loads(out.strip().splitlines()[-1])
    result["process_seconds"] = round(time.perf_counter() - t0, 3)
    result["peak_tree_mb"] = round(peak[0] / 1024)
    # The names bench.run and bench.report read: the tree's peak, and what the other processes added to it.
    result["peak_rss_mb"] = result["peak_tree_mb"]
    result["peak_rss_children_mb"] = max(0, result["peak_tree_mb"] - result["self_peak_mb"])
    return result


def edit_one(seeds: Path) -> Path:
    """Change the label of the first deal of the middle document's annotations; returns the file."""
    files = sorted((seeds / "annotations").glob("*.yaml"))
    path = files[len(files) // 2]
    text = path.read_text(encoding="utf-8")
    edited = re.sub(r'(\n    label: "[^"\n]*)"', r'\1 (edited)"', text, count=1)
    if edited == text:
        raise RuntimeError(f"{path}: no deal label to edit")
    path.write_text(edited, encoding="utf-8")
    return path


def add_one(seeds: Path, doc_id: str = "zz_added_document") -> None:
    """Add a new document citing two firms of the registry, with one deal of its own."""
    firms = re.findall(
        r"^  - id: (\S+)\n    label: \"([^\"]+)\"\n    alt: \[\"([^\"]+)\"\]",
        (seeds / "registry" / "firms.yaml").read_text(encoding="utf-8"),
        re.M,
    )
    (a, _, short_a), (b, _, short_b) = firms[0], firms[1]
    sentence = f"{short_a} and {short_b} signed a memorandum of understanding on battery research in March 2031"
    (seeds / "documents" / f"{doc_id}.txt").write_text(
        f"{sentence}. Neither side disclosed further details.\n", encoding="utf-8"
    )
    (seeds / "annotations" / f"{doc_id}.yaml").write_text(
        f"""document:
  title: "{short_a} and {short_b} sign a memorandum of understanding"
  publisher: "Motor Report"
  issued: 2031-03
  language: en
deals:
  - id: {doc_id.replace("_", "-")}-mou
    kind: MemorandumOfUnderstanding
    label: "{short_a}–{short_b} memorandum of understanding (2031)"
    status: Signed
    parties: [{a}, {b}]
    signed: 2031-03
    evidence:
      - quote: "{sentence}"
        attribution: PressReport
""",
        encoding="utf-8",
    )


def scaling(sizes: list[int], out: Path, seed: int = 0, incremental: bool = True) -> list[dict[str, object]]:
    """A clean build per size, then (``incremental``) the incremental ones; returns one record per size."""
    from bench.run import corpus

    results: list[dict[str, object]] = []
    for size in sizes:
        source = corpus(out, size, seed)
        seeds = out / f"corpus-{size}-work"
        if seeds.exists():
            shutil.rmtree(seeds)
        shutil.copytree(source, seeds)
        var = out / f"var-{size}"
        if var.exists():
            shutil.rmtree(var)
        record: dict[str, object] = {"documents": size, "full": measure_build(seeds, var)}
        print(f"{size}: full {record['full']}", flush=True)
        if incremental:
            record["unchanged"] = measure_build(seeds, var)
            edit_one(seeds)
            record["edited"] = measure_build(seeds, var)
            add_one(seeds)
            record["added"] = measure_build(seeds, var)
            print(
                f"{size}: unchanged {record['unchanged']}\nedited {record['edited']}\nadded {record['added']}",
                flush=True,
            )
        results.append(record)
    return results


def exponents(results: list[dict[str, object]]) -> dict[str, float]:
    """The growth exponents k of time and peak memory (~ size^k) between the smallest and largest size."""
    first, last = results[0], results[-1]
    span = math.log(float(last["documents"]) / float(first["documents"]))  # type: ignore[arg-type]
    if span == 0:
        return {}
    f, g = first["full"], last["full"]
    return {
        "time": round(math.log(g["seconds"] / f["seconds"]) / span, 3),  # type: ignore[index]
        "memory": round(math.log(g["peak_tree_mb"] / f["peak_tree_mb"]) / span, 3),
    }  # type: ignore[index]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--child", nargs=2, metavar=("SEEDS", "VAR"), type=Path)
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--out", type=Path, default=Path("bench/out"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-incremental", action="store_true")
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    args.out.mkdir(parents=True, exist_ok=True)
    results = scaling([int(s) for s in args.sizes.split(",")], args.out, args.seed, not args.no_incremental)
    report = {
        "sizes": results,
        "exponents": exponents(results) if len(results) > 1 else {},
        "command": "python -m bench.build_scaling " + " ".join(argv if argv is not None else sys.argv[1:]),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }
    path = args.out / f"build-scaling-{'-'.join(str(r['documents']) for r in results)}.json"
    path.write_text(json.dumps(report, indent=1))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
