"""Throughput and latency of the SPARQL endpoint under load, side by side in one run, with wrk.

Three servers answer the same mix of seven analyst SELECT queries (:mod:`bench.queries`), sent as POST forms
with ``Accept: application/sparql-results+json``:

- ``endpoint``: this project's ``autoalliance serve --no-build`` over the build (Granian, ``--processes`` web
  processes of ``--threads`` threads);
- ``oxigraph``: Oxigraph's own Rust server, ``oxigraph serve-read-only --union-default-graph`` on a copy of the
  same store (the limit for this engine);
- ``rdflib-endpoint``: rdflib-endpoint on the Turtle dump (optional: ``--no-rdflib`` skips it).

Each server gets wrk at 1, 4 and 16 connections (one wrk thread per 4 connections), with *distinct* queries
(each request appends a trailing ``VALUES ?bench_n { N }`` with a new N, so no cache can help) and with
*repeated* ones (the seven texts in turn). The servers take turns cell by cell, so drift on a shared machine
hits them alike, and each cell starts once every server is idle (on a large graph a server goes on evaluating
the queries wrk left behind when its cell ended). Run::

    python -m bench.load --var var --seconds 8 [--out bench/out/load] [--no-rdflib]

wrk is the Debian package ``wrk`` (``make bench`` installs it).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

from kg.config import Paths

from .proctree import tree
from .queries import TOP_FIRM, queries
from .query_latency import HttpEngine, free_port, serve_command

CLIENTS = (1, 4, 16)
LUA = """
local bodies = {BODIES}
local distinct = {DISTINCT}
local counter = 0
local id = 0
local threads = {}
function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end
function init(args)
  id = tonumber(wrk.thread:get("id")) or 0
end
request = function()
  counter = counter + 1
  local body = bodies[(counter % #bodies) + 1]
  if distinct then
    body = body .. "%0AVALUES%20%3Fbench_n%20%7B%20" .. tostring(id * 100000000 + counter) .. "%20%7D"
  end
  return wrk.format("POST", "{PATH}", {["Content-Type"] = "application/x-www-form-urlencoded",
    ["Accept"] = "application/sparql-results+json"}, body)
end
"""


@dataclass
class Cell:
    """One wrk run: a server, a mode (distinct or repeated queries), a number of connections."""

    server: str
    mode: str
    clients: int
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx answers, socket errors and timeouts


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """(requests/s, p50 ms, p99 ms, requests, errors) from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))  # type: ignore[union-attr]
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    return rps, p50, p99, requests, errors


def lua_script(texts: list[str], path: str, distinct: bool) -> str:
    bodies = "{" + ", ".join(json.dumps("query=" + quote(t, safe="")) for t in texts) + "}"
    return (
        LUA.replace("{BODIES}", bodies).replace("{DISTINCT}", "true" if distinct else "false").replace("{PATH}", path)
    )


def run_wrk(port: int, path: str, script: Path, clients: int, seconds: float) -> str:
    command = [
        "wrk",
        "--latency",
        "-t",
        str(max(1, clients // 4)),
        "-c",
        str(clients),
        "-d",
        f"{seconds:g}s",
        "--timeout",
        "30s",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}{path}",
    ]
    return subprocess.run(command, capture_output=True, text=True, check=True).stdout


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=Paths.from_env().var, help="the build to serve")
    parser.add_argument("--seconds", type=float, default=8.0, help="per cell")
    parser.add_argument("--out", type=Path, default=Path("bench/out/load"))
    parser.add_argument("--no-rdflib", action="store_true", help="skip rdflib-endpoint (slow to load large dumps)")
    parser.add_argument("--threads", type=int, default=16, help="request threads per web process of this endpoint")
    parser.add_argument("--processes", type=int, default=2, help="web processes of this endpoint")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (Debian package `wrk`)")
    paths = Paths(var=args.var)
    args.out.mkdir(parents=True, exist_ok=True)
    import pyoxigraph as ox

    store = ox.Store.read_only(str(paths.store))
    top = json.loads(
        store.query(TOP_FIRM, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    )
    texts = [TOP_FIRM, *queries(top["results"]["bindings"][0]["firm"]["value"]).values()]
    del store
    copy = Path(tempfile.mkdtemp(prefix="oxigraph-store-"))
    shutil.copytree(paths.store, copy / "store")
    oxigraph = shutil.which("oxigraph") or str(Path(sys.executable).parent / "oxigraph")
    servers: dict[str, tuple[HttpEngine, str]] = {}
    cells: list[Cell] = []
    try:
        port = free_port()
        servers["endpoint"] = (
            HttpEngine(
                "endpoint",
                serve_command(args.var, port, "--threads", str(args.threads), "--processes", str(args.processes)),
                port,
                "/sparql",
                args.out / "endpoint.log",
                ready_timeout=120,
            ),
            "/sparql",
        )
        port = free_port()
        servers["oxigraph"] = (
            HttpEngine(
                "oxigraph",
                [
                    oxigraph,
                    "serve-read-only",
                    "--location",
                    str(copy / "store"),
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--union-default-graph",
                ],
                port,
                "/query",
                args.out / "oxigraph.log",
                ready_timeout=120,
            ),
            "/query",
        )
        if not args.no_rdflib:
            port = free_port()
            servers["rdflib-endpoint"] = (
                HttpEngine(
                    "rdflib-endpoint",
                    [
                        sys.executable,
                        "-m",
                        "rdflib_endpoint",
                        "serve",
                        str(paths.dumps / "autoalliance.ttl"),
                        "--host",
                        "127.0.0.1",
                        "--port",
                        str(port),
                    ],
                    port,
                    "/",
                    args.out / "rdflib-endpoint.log",
                    ready_timeout=1800,
                ),
                "/",
            )
        for name, (engine, path) in servers.items():  # untimed: every process and worker warm before the cells
            script = args.out / f"{name}-warm-up.lua"
            script.write_text(lua_script(texts, path, False))
            run_wrk(engine.port, path, script, 4, 2)
        wait_idle([e.proc.pid for e, _ in servers.values()])
        for mode in ("distinct", "repeated"):
            for clients in CLIENTS:
                for name, (engine, path) in servers.items():
                    script = args.out / f"{name}-{mode}.lua"
                    script.write_text(lua_script(texts, path, mode == "distinct"))
                    output = run_wrk(engine.port, path, script, clients, args.seconds)
                    (args.out / f"{name}-{mode}-{clients}.txt").write_text(output)
                    cell = Cell(name, mode, clients, *parse_wrk(output))
                    cells.append(cell)
                    print(
                        f"{name:16} {mode:8} c={clients:2}  {cell.requests_per_second:8.1f} req/s  "
                        f"p50 {cell.p50_ms:7.2f} ms  p99 {cell.p99_ms:8.2f} ms  errors {cell.errors}",
                        flush=True,
                    )
                    wait_idle([e.proc.pid for e, _ in servers.values()])
    finally:
        for engine, _ in servers.values():
            engine.close()
        shutil.rmtree(copy, ignore_errors=True)
    (args.out / "load.json").write_text(json.dumps([asdict(c) for c in cells], indent=1))
    print(json.dumps(verdict(cells), indent=1))


def wait_idle(pids: list[int], limit: float = 60.0) -> None:
    """Wait until the servers ``pids`` (and their workers) use less than a tenth of a core, at most ``limit``
    seconds: a server goes on evaluating the queries wrk left behind (Oxigraph's server does not stop a query
    whose client went away), which would otherwise run during the next cell, against another server."""
    end = time.monotonic() + limit
    before = tree(pids)[1]
    while time.monotonic() < end:
        time.sleep(0.5)
        now = tree(pids)[1]
        if now - before < 0.05:
            return
        before = now


def verdict(cells: list[Cell]) -> dict[str, object]:
    """The goals at 16 clients, as ratios against Oxigraph's server and rdflib-endpoint."""
    by = {(c.server, c.mode, c.clients): c for c in cells}
    out: dict[str, object] = {}
    for mode in ("distinct", "repeated"):
        ours, ox_ = by.get(("endpoint", mode, 16)), by.get(("oxigraph", mode, 16))
        if ours and ox_:
            out[f"{mode}: throughput / oxigraph at 16"] = round(ours.requests_per_second / ox_.requests_per_second, 2)
            out[f"{mode}: p99 / oxigraph p99 at 16"] = round(ours.p99_ms / ox_.p99_ms, 2)
        rdf = by.get(("rdflib-endpoint", mode, 16))
        if ours and rdf and rdf.requests_per_second:
            out[f"{mode}: throughput / rdflib-endpoint at 16"] = round(
                ours.requests_per_second / rdf.requests_per_second, 1
            )
        series = [by[("endpoint", mode, c)].requests_per_second for c in CLIENTS if ("endpoint", mode, c) in by]
        out[f"{mode}: endpoint throughput at 1/4/16"] = [round(x, 1) for x in series]
    return out


if __name__ == "__main__":
    main()
