"""``autoalliance validate FILE.yaml`` on corpora of growing size, beside the whole-corpus ``validate``.

For each corpus (``bench.generate`` output, optionally built into ``--var``), a few annotation files are checked
one at a time, each as the analyst runs it: a fresh ``autoalliance validate FILE`` process (wall time, start-up
included), and in-process (``kg.file_check.check_file`` alone, after the imports). The whole-corpus
``validate`` is timed once per corpus unless ``--skip-full``. The point is the ratio: the one-file time should
not grow with the corpus.

    python -m bench.file_check --corpus /tmp/corpus-1000 [--var /tmp/var-1000] [--files 5] [--skip-full]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from kg.config import Paths
from kg.file_check import check_file

CLI = [sys.executable, "-m", "kg.cli"]


def _run(args: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run([*CLI, *args], capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return elapsed


def measure(corpus: Path, var: Path | None, files: int, full: bool) -> dict[str, object]:
    """Times of one-file checks (process and in-process) and of the whole validate on ``corpus``."""
    annotations = sorted((corpus / "annotations").glob("*.yaml"))
    step = max(1, len(annotations) // files)
    chosen = annotations[::step][:files]
    var_args = ["--var", str(var)] if var else ["--var", str(corpus.parent / f"{corpus.name}-no-build")]
    process = [_run(["validate", str(path), "--seeds", str(corpus), *var_args]) for path in chosen]
    paths = Paths(seeds=corpus, var=Path(var_args[1]))
    inside = []
    for path in chosen:
        started = time.perf_counter()
        report = check_file(path, paths)
        inside.append(time.perf_counter() - started)
    result: dict[str, object] = {
        "documents": len(annotations),
        "files": len(chosen),
        "rest of corpus from": report.corpus_source,
        "one file, process (s, median)": round(statistics.median(process), 2),
        "one file, in-process (s, median)": round(statistics.median(inside), 2),
    }
    if full:
        result["whole validate (s)"] = round(_run(["validate", "-q", "--seeds", str(corpus), *var_args]), 1)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, action="append", required=True, help="a generated seeds directory")
    parser.add_argument(
        "--var", type=Path, action="append", help="its build (same order as --corpus; 'none' for a corpus without one)"
    )
    parser.add_argument("--files", type=int, default=5)
    parser.add_argument("--skip-full", action="store_true", help="do not time the whole-corpus validate")
    args = parser.parse_args(argv)
    vars_ = [None if v is None or str(v) == "none" else v for v in (args.var or [])]
    vars_ += [None] * (len(args.corpus) - len(vars_))  # "--var none", or fewer --var than --corpus: no build
    rows = [measure(c, v, args.files, not args.skip_full) for c, v in zip(args.corpus, vars_, strict=True)]
    keys = list(dict.fromkeys(k for row in rows for k in row))
    print("| " + " | ".join(keys) + " |")
    print("|" + "---|" * len(keys))
    for row in rows:
        print("| " + " | ".join(str(row.get(k, "")) for k in keys) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
