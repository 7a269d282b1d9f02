"""Publishing a build into Virtuoso, then the query mix on Virtuoso and on the embedded store, in one run.

1. ``autoalliance publish`` (``kg.publish.publish``, Graph Store Protocol) of every graph of the build into a fresh
   Virtuoso started for the run (``bench/stores.py``): triples per second; then the same publish again, when
   nothing changed (the cost of deciding that); with ``--replace``, a publish of every graph once more (staging
   and ``MOVE`` for each, the cost of a release that changes everything).
2. The query mix of :mod:`bench.queries`, engines taking turns query by query:

   - ``embedded``: pyoxigraph in process on the build's store, results serialized to SPARQL JSON;
   - ``server``: this project's ``/sparql`` over the embedded store (``autoalliance serve --no-build``), over HTTP;
   - ``virtuoso``: Virtuoso's ``/sparql`` directly over HTTP, JSON, with the text the remote backend sends (the
     query after Virtuoso's ``input:default-graph-exclude`` pragmas for its own graphs);
   - ``server-virtuoso``: this project's ``/sparql`` backed by that Virtuoso (``autoalliance serve --store URL``),
     over HTTP: the query checked here, sent to Virtuoso, its answer read as SPARQL XML, bounded, and written
     as SPARQL JSON;
   - ``backend``: :class:`server.backend_remote.RemoteBackend` in process over that Virtuoso (the same path
     without Flask and waitress).

   Both servers run with the answer cache and the page cache off, so evaluation is what is measured.
3. Pages of both servers (embedded store, and backed by Virtuoso): the home page, the biggest firm's page as
   HTML and Turtle, VoID and the sitemap (their first request computes the per-build values; the next ones read
   them), search, a deal page.

Usage: ``python -m bench.publish --var VAR [--out bench/out/publish] [--budget 3] [--replace]``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from kg.config import Paths
from kg.iris import BASE, PREFIXES
from kg.publish import publish, state_path
from kg.remote_store import RemoteStore, endpoints_for
from kg.store import open_store

from .queries import TOP_FIRM, queries
from .query_latency import TRIVIAL, HttpEngine, free_port, result_size, serve_command, time_runs
from .stores import start_virtuoso

JSON = "application/sparql-results+json"


def _publish(paths: Paths, target: RemoteStore, label: str, **options: object) -> dict[str, object]:
    stages: list[tuple[float, str]] = []
    t0 = time.perf_counter()

    def progress(message: str) -> None:
        stages.append((time.perf_counter() - t0, message))
        print(f"  {label} {stages[-1][0]:8.1f} s  {message}", flush=True)

    report = publish(paths, target, progress=progress, **options)  # type: ignore[arg-type]
    if not report.ok:
        raise RuntimeError(f"{label}: counts differ on the store: {report.mismatches}")
    first_batch = next((t for t, m in stages if "changed graph(s)" in m), None)
    reading = next((t for t, m in stages if m.startswith("counting")), 0.0)
    return {
        "graphs sent": len(report.sent),
        "graphs unchanged": report.unchanged,
        "triples sent": report.triples_sent,
        "seconds": round(report.seconds, 1),
        "reading the build (s)": round(reading, 1),
        "triples/s": round(report.triples_sent / report.seconds) if report.seconds else 0,
        "triples/s after reading the build": round(report.triples_sent / (report.seconds - reading))
        if report.triples_sent
        else 0,
        "first batch at (s)": first_batch,
    }


def measure(var: Path, out: Path, budget: float, replace: bool, buffers: int) -> dict[str, object]:
    """Run the publish and query benchmarks over the build in ``var``; returns the figures."""
    import pyoxigraph as ox

    from server.answers import QueryJob
    from server.backend_remote import RemoteBackend
    from server.sparql import QUERY_PREFIXES

    paths = Paths(var=var)
    store = open_store(paths.store)
    results: dict[str, object] = {"quads": len(store)}
    workdir = Path(tempfile.mkdtemp(prefix="bench-virtuoso-"))
    virtuoso = start_virtuoso(workdir, buffers=buffers, max_query_mem="2G", max_seconds=600)
    engines: list[HttpEngine] = []
    target = RemoteStore(endpoints_for("virtuoso", virtuoso.url), virtuoso.user, virtuoso.password, timeout=1800)
    try:
        publishing = {"first": _publish(paths, target, "first")}
        publishing["again, nothing changed"] = _publish(paths, target, "again")
        if replace:
            publishing["every graph replaced"] = _publish(paths, target, "replace", force_all=True)
        results["publish"] = publishing
        state_path(paths, target).unlink(missing_ok=True)  # this Virtuoso is gone after the run

        top = json.loads(
            store.query(TOP_FIRM, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
        )
        firm = top["results"]["bindings"][0]["firm"]["value"]
        texts = {"trivial-ask": TRIVIAL, **queries(firm)}
        backend = RemoteBackend(RemoteStore(endpoints_for("virtuoso", virtuoso.url), timeout=600), timeout=600)
        prefixes = tuple(QUERY_PREFIXES.items())
        # the answer and page caches would serve repeated requests from memory: off, so evaluation is measured
        no_cache = ["env", "AUTOALLIANCE_ANSWER_CACHE_BYTES=0", "AUTOALLIANCE_PAGE_CACHE_BYTES=0"]
        port = free_port()
        command = [*no_cache, *serve_command(var, port, "--query-timeout", "600")]
        engines.append(HttpEngine("server", command, port, "/sparql", out / "server.log", ready_timeout=120))
        port = free_port()
        store_options = ["--store", virtuoso.url, "--store-kind", "virtuoso", "--query-timeout", "600"]
        command = [*no_cache, *serve_command(var, port, *store_options)]
        engines.append(HttpEngine("server-virtuoso", command, port, "/sparql", out / "remote.log", ready_timeout=300))

        def direct(text: str) -> bytes:
            sent = backend._text(QueryJob(text, JSON, prefixes=prefixes), "SELECT")
            response = backend.store.session.post(
                virtuoso.url + "/sparql", data={"query": sent}, headers={"Accept": JSON}, timeout=600
            )
            response.raise_for_status()
            return response.content

        def via_backend(text: str) -> bytes:
            return backend.execute(QueryJob(text, JSON, prefixes=prefixes, max_rows=1_000_000)).body

        runners: dict[str, Callable[[str], bytes]] = {
            "embedded": lambda q: store.query(q, use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON
            ),
            "server": engines[0].query,
            "virtuoso": direct,
            "server-virtuoso": engines[1].query,
            "backend": via_backend,
        }
        table: dict[str, dict[str, dict[str, object]]] = {}
        for name, text in texts.items():
            table[name] = {}
            for engine, run in runners.items():
                times, body = time_runs(lambda run=run, text=text: run(text), 3, 30, budget)
                table[name][engine] = {
                    "median_ms": round(statistics.median(times) * 1000, 2),
                    "runs": len(times),
                    "result": _size(body),
                }
                print(
                    f"  {name:18} {engine:10} {table[name][engine]['median_ms']:10.2f} ms "
                    f"({len(times)} runs) -> {table[name][engine]['result']}",
                    flush=True,
                )
        results["queries"] = table
        results["firm"] = firm
        results["pages"] = _pages(engines, firm, store)
    finally:
        for engine in engines:
            engine.close()
        target.close()
        virtuoso.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def _get(engine: HttpEngine, path: str, accept: str) -> tuple[float, int, int]:
    """Seconds, status and size of one GET of ``path`` on ``engine``'s server (a connection of its own)."""
    connection = http.client.HTTPConnection("127.0.0.1", engine.port, timeout=900)
    try:
        t0 = time.perf_counter()
        connection.request("GET", path, headers={"Accept": accept})
        response = connection.getresponse()
        body = response.read()
        return time.perf_counter() - t0, response.status, len(body)
    finally:
        connection.close()


def _pages(engines: list[HttpEngine], firm: str, store: object) -> dict[str, dict[str, dict[str, object]]]:
    """First and repeated (median of 3) request times of a few pages on each server."""
    import pyoxigraph as ox

    deal = next(
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode(PREFIXES["aa"] + "party"), ox.NamedNode(firm))  # type: ignore[attr-defined]
    )
    local = firm.removeprefix(BASE)
    pages = {
        "home": ("/", "text/html"),
        "firm page (HTML)": (f"/{local}", "text/html"),
        "firm (Turtle)": (f"/{local}", "text/turtle"),
        "deal page (HTML)": (f"/{deal.removeprefix(BASE)}", "text/html"),
        "VoID": ("/.well-known/void", "text/turtle"),
        "sitemap": ("/sitemap.xml", "application/xml"),
        "search": ("/search?q=battery", "text/html"),
    }
    table: dict[str, dict[str, dict[str, object]]] = {}
    for name, (path, accept) in pages.items():
        table[name] = {}
        for engine in engines:
            first, status, size = _get(engine, path, accept)
            again = [_get(engine, path, accept)[0] for _ in range(3)]
            table[name][engine.name] = {
                "status": status,
                "bytes": size,
                "first_ms": round(first * 1000, 1),
                "again_ms": round(statistics.median(again) * 1000, 1),
            }
            print(f"  {name:18} {engine.name:16} {status} {size:9,} B first {first * 1000:9.1f} ms", flush=True)
    return table


def _size(body: bytes) -> str:
    """:func:`bench.query_latency.result_size`, with Virtuoso's ASK table read as the boolean it means."""
    data = json.loads(body)
    if data.get("head", {}).get("vars") == ["__ASK_RETVAL"]:
        return str(bool(data["results"]["bindings"])).lower()
    return result_size(body)


def render(results: dict[str, object]) -> str:
    """The figures as Markdown tables."""
    lines = [
        "| publish | graphs sent | unchanged | triples sent | s | triples/s | triples/s after reading the build |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, row in results["publish"].items():  # type: ignore[union-attr]
        lines.append(
            f"| {label} | {row['graphs sent']:,} | {row['graphs unchanged']:,} | {row['triples sent']:,} | "
            f"{row['seconds']} | {row['triples/s']:,} | {row['triples/s after reading the build']:,} |"
        )
    engines = ["embedded", "server", "virtuoso", "server-virtuoso", "backend"]
    lines += [
        "",
        "| query | "
        + " | ".join(f"{e} ms" for e in engines)
        + " | virtuoso/embedded | server-virtuoso/virtuoso | result |",
        "|---" * (len(engines) + 4) + "|",
    ]
    for name, row in results["queries"].items():  # type: ignore[union-attr]
        med = {e: row[e]["median_ms"] for e in engines}
        sizes = {row[e]["result"] for e in engines}
        lines.append(
            f"| {name} | "
            + " | ".join(f"{med[e]:,.2f}" for e in engines)
            + f" | {med['virtuoso'] / med['embedded']:.2f} | {med['server-virtuoso'] / med['virtuoso']:.2f} | "
            + (" / ".join(sorted(sizes)) if len(sizes) > 1 else sizes.pop())
            + " |"
        )
    servers = ["server", "server-virtuoso"]
    lines += [
        "",
        "| page | " + " | ".join(f"{e} first ms | {e} again ms" for e in servers) + " | status, bytes |",
        "|---" * (2 * len(servers) + 2) + "|",
    ]
    for name, row in results.get("pages", {}).items():  # type: ignore[union-attr]
        shapes = sorted({f"{row[e]['status']}, {row[e]['bytes']:,}" for e in servers})
        lines.append(
            f"| {name} | "
            + " | ".join(f"{row[e]['first_ms']:,.1f} | {row[e]['again_ms']:,.1f}" for e in servers)
            + f" | {' / '.join(shapes)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--var", type=Path, required=True, help="a built var directory (autoalliance build --var)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/publish"))
    parser.add_argument("--budget", type=float, default=3.0, help="seconds per query and engine after 3 runs")
    parser.add_argument("--replace", action="store_true", help="also time replacing every graph")
    parser.add_argument("--buffers", type=int, default=250_000, help="Virtuoso NumberOfBuffers (8 KiB pages)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    results = measure(args.var, args.out, args.budget, args.replace, args.buffers)
    (args.out / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    report = render(results)
    (args.out / "report.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
