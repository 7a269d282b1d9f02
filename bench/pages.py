"""Pages at scale: page latency on a large graph, and whether page load delays the SPARQL endpoint.

On a built graph (by default the 10k-document generated corpus, generated and built when missing), served by
``autoalliance serve`` in its own process:

1. the median (and 90th percentile) of repeated sequential requests of the home page, of the page of the firm
   with the most partners, and of a few other pages (index, search, a deep index page);
2. ``ASK {}`` on ``/sparql`` probed every 0.1 s, first with the server idle, then while ``wrk`` keeps 16
   connections loading pages (a rotation over the home page, the top firms, index and search pages); the
   delay is the probe's latency under load minus its idle median.

    python -m bench.pages --var bench/out/var-10000 [--documents 10000] [--repeat 15] [--duration 20] [--distinct]

Goals (issue "A graph that grows"): home page and top firm page each under 0.5 s (median); no ASK delayed by
more than 0.2 s under 16 concurrent page loads.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from kg.config import PROJECT_ROOT, Paths

from .query_latency import free_port, serve_command

BIN = Path(sys.executable).parent
ASK = "/sparql?" + urllib.parse.urlencode({"query": "ASK {}"})


def ensure_build(var: Path, documents: int, corpus: Path) -> None:
    """Generate the corpus and build it into ``var`` unless a build is there."""
    if (Paths(var=var).store / "CURRENT").exists():
        return
    if not (corpus / "annotations").is_dir():
        subprocess.run(
            [sys.executable, "-m", "bench.generate", "--documents", str(documents), "--out", str(corpus)],
            check=True,
            cwd=PROJECT_ROOT,
        )
    subprocess.run([str(BIN / "autoalliance"), "build", "-q", "--seeds", str(corpus), "--var", str(var)], check=True)


def get(url: str, accept: str = "text/html") -> float:
    """Seconds to GET ``url`` and read the whole body; raises on an error status."""
    started = time.perf_counter()
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": accept}), timeout=60) as r:
        r.read()
    return time.perf_counter() - started


def serve(var: Path, port: int, threads: int | None = None) -> subprocess.Popen:
    """``autoalliance serve`` on ``port`` over ``var`` (its default threads unless ``threads``), once it answers."""
    extra = ["--threads", str(threads)] if threads else []
    process = subprocess.Popen(
        serve_command(var, port, *extra),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            get(f"http://127.0.0.1:{port}{ASK}", "application/sparql-results+json")
            return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the server did not start")


def top_firms(var: Path, n: int) -> list[str]:
    """Local paths of the ``n`` firms with the most partners, from the build's index."""
    db = sqlite3.connect(f"file:{Paths(var=var).site / 'index.sqlite'}?mode=ro", uri=True)
    rows = db.execute("SELECT iri FROM resource WHERE kind = 'firm' ORDER BY partners DESC, iri LIMIT ?", [n])
    return ["/id/" + iri.split("/id/", 1)[1] for (iri,) in rows]


def summary(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    return {
        "median": round(statistics.median(times), 4),
        "p90": round(times[int(0.9 * (len(times) - 1))], 4),
        "max": round(times[-1], 4),
    }


def latencies(url: str, repeat: int) -> dict[str, dict[str, float]]:
    """Rendered: each request a URL the server has not rendered yet (an unused ``bench`` parameter makes it
    new), so the page is built; repeated: the same URL again (the app's rendered-page cache answers)."""
    separator = "&" if "?" in url else "?"
    get(url)  # the first request opens the store and the index; not what a visitor waits for afterwards
    rendered = [get(f"{url}{separator}bench={time.monotonic_ns()}") for _ in range(repeat)]
    repeated = [get(url) for _ in range(repeat)]
    return {"rendered": summary(rendered), "repeated": summary(repeated)}


def probe_ask(base: str, seconds: float, stop: threading.Event | None = None) -> list[float]:
    """ASK latencies, one probe every 0.1 s for ``seconds`` (or until ``stop``)."""
    found = []
    end = time.monotonic() + seconds
    while time.monotonic() < end and not (stop and stop.is_set()):
        found.append(get(base + ASK, "application/sparql-results+json"))
        time.sleep(0.1)
    return found


WRK_SCRIPT = """
paths = {%s}
i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1], {["Accept"] = "text/html"})
end
"""


def under_load(base: str, paths: list[str], duration: int) -> tuple[list[float], str]:
    """ASK latencies while wrk keeps 16 connections loading ``paths``; and wrk's summary."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as f:
        f.write(WRK_SCRIPT % ", ".join(json.dumps(p) for p in paths))
    try:
        wrk = subprocess.Popen(
            ["wrk", "-t2", "-c16", f"-d{duration}s", "--timeout", "30s", "-s", f.name, base + "/"],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(2)  # let the load build up
        asks = probe_ask(base, duration - 3)
        output, _ = wrk.communicate()
    finally:
        os.unlink(f.name)
    return asks, output


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=PROJECT_ROOT / "bench" / "out" / "var-10000")
    parser.add_argument("--documents", type=int, default=10000)
    parser.add_argument(
        "--corpus", type=Path, help="corpus to build when --var has no build [bench/out/corpus-<documents>]"
    )
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--duration", type=int, default=20, help="seconds of wrk load")
    parser.add_argument("--threads", type=int, help="server threads [the default of autoalliance serve]")
    parser.add_argument(
        "--distinct",
        action="store_true",
        help="load every firm page once (no repeated page) instead of a rotation over popular pages",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (Debian package wrk)")
    corpus = args.corpus or PROJECT_ROOT / "bench" / "out" / f"corpus-{args.documents}"
    ensure_build(args.var, args.documents, corpus)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(args.var, port, args.threads)
    try:
        firms = top_firms(args.var, 20)
        pages = {
            "home": "/",
            "top firm": firms[0],
            "firms index by partners": "/id/firm/?sort=partners",
            "deals index, page 200 by date": "/id/deal/?sort=date&page=200",
            "search": "/search?q=motors",
        }
        report: dict[str, object] = {
            "var": str(args.var),
            "top firm": firms[0],
            "threads": args.threads,
            "load": "every firm page once" if args.distinct else "popular pages",
            "pages": {name: latencies(base + path, args.repeat) for name, path in pages.items()},
        }
        idle = probe_ask(base, 6)
        rotation = [
            "/",
            *firms,
            "/id/firm/?sort=partners",
            "/id/deal/?sort=date",
            "/search?q=motors",
            "/id/domain/",
            "/id/deal/?sort=date&page=50",
        ]
        if args.distinct:  # every load a page not rendered before: the rendered-page cache cannot help
            rotation = top_firms(args.var, 100_000)
        loaded, wrk_output = under_load(base, rotation, args.duration)
        idle_median = statistics.median(idle)
        report["ask probes under load"] = [round(t, 3) for t in loaded]
        report["ask"] = {
            "idle median": idle_median,
            "idle max": max(idle),
            "under load median": statistics.median(loaded),
            "under load max": max(loaded),
            "probes under load": len(loaded),
            "max delay": max(loaded) - idle_median,
        }
        report["wrk"] = next((line.strip() for line in wrk_output.splitlines() if "Requests/sec" in line), "")
        report["wrk non-2xx"] = next((line.strip() for line in wrk_output.splitlines() if "Non-2xx" in line), "none")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
