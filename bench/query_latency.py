"""Query latency of four ways to answer the same SPARQL query over the same built data, side by side in one run.

- ``pyoxigraph``: in process, ``Store.read_only`` on the built store, union default graph, results serialized to
  SPARQL JSON (what an HTTP client receives);
- ``endpoint``: this project's ``/sparql`` over HTTP (``autoalliance serve --no-build`` as a subprocess, one
  keep-alive connection, GET with ``Accept: application/sparql-results+json``);
- ``rdflib``: in process, a ``Dataset(default_union=True)`` parsed from the TriG dump, results serialized to JSON;
- ``rdflib-endpoint``: rdflib-endpoint's ``serve`` command (uvicorn) over the same TriG dump, queried like the
  endpoint at its path ``/``.

For each query every engine gets one warm-up run, then runs until ``max_runs`` or, after ``min_runs``, until its
time budget is spent; the median is reported. Engines take turns query by query, so drift on a shared machine
hits them alike. The result sizes are compared, so a fast wrong answer shows.
"""

from __future__ import annotations

import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlencode

from kg.config import Paths

from .queries import TOP_FIRM, queries

TRIVIAL = "ASK {}"  # the fixed cost of one request: parsing, dispatch, transport


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(var: Path, port: int, *options: str) -> list[str]:
    """The command that serves the build in ``var`` with this project's server on 127.0.0.1:``port``, as is
    (``--no-build``), with further ``serve`` options."""
    program = str(Path(sys.executable).parent / "autoalliance")
    return [program, "serve", "--no-build", "--var", str(var), "--host", "127.0.0.1", "--port", str(port), *options]


class HttpEngine:
    """A SPARQL endpoint started as a subprocess, queried over one keep-alive connection."""

    def __init__(self, name: str, cmd: list[str], port: int, path: str, log: Path, ready_timeout: float) -> None:
        self.name, self.port, self.path = name, port, path
        self.log = log.open("w")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        self.conn: http.client.HTTPConnection | None = None
        self.reconnects = 0
        try:
            self._wait_ready(log, t0, ready_timeout)
        except BaseException:
            self.close()  # never leave a server behind, whatever went wrong
            raise
        self.startup_seconds = time.perf_counter() - t0

    def _wait_ready(self, log: Path, t0: float, ready_timeout: float) -> None:
        while True:
            try:
                self.query(TRIVIAL)
                return
            except (OSError, http.client.HTTPException):
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; see {log}") from None
                if time.perf_counter() - t0 > ready_timeout:
                    raise RuntimeError(f"{self.name} not ready after {ready_timeout} s; see {log}") from None
                self.conn = None
                time.sleep(0.2)

    def query(self, text: str) -> bytes:
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
            try:
                self.conn.request(
                    "GET",
                    f"{self.path}?" + urlencode({"query": text}),
                    headers={"Accept": "application/sparql-results+json"},
                )
                response = self.conn.getresponse()
                body = response.read()
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()
                self.conn = None
                self.reconnects += 1
                if attempt == 2:
                    raise
                continue
            if response.status != 200:
                raise RuntimeError(f"{self.name}: HTTP {response.status}: {body[:500]!r}")
            if response.getheader("Connection", "").lower() == "close":
                self.conn.close()
                self.conn = None
                self.reconnects += 1
            return body
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def result_size(body: bytes) -> str:
    """What a result holds, to compare engines: the number of rows, or the value of a single count, or a boolean."""
    data = json.loads(body)
    if "boolean" in data:
        return str(data["boolean"]).lower()
    rows = data["results"]["bindings"]
    if len(rows) == 1 and len(rows[0]) == 1:
        return next(iter(rows[0].values()))["value"]
    return f"{len(rows)} rows"


def time_runs(run: Callable[[], bytes], min_runs: int, max_runs: int, budget: float) -> tuple[list[float], bytes]:
    body = run()  # warm-up
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < max_runs and (len(times) < min_runs or time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        body = run()
        times.append(time.perf_counter() - t0)
    return times, body


def measure_queries(
    var: Path,
    out: Path,
    min_runs: int = 3,
    max_runs: int = 30,
    budget: float = 3.0,
    engines: tuple[str, ...] = ("pyoxigraph", "endpoint", "rdflib", "rdflib-endpoint"),
    progress: Callable[[str], None] = print,
) -> dict[str, object]:
    """Run every query of :mod:`bench.queries` on every engine over the build in ``var``; returns the results.

    ``out`` receives the servers' logs. Raises ``RuntimeError`` when a server does not start or answers an error.
    """
    import pyoxigraph as ox
    from rdflib import Dataset

    store = ox.Store.read_only(str(Paths(var=var).store))
    top = json.loads(
        store.query(TOP_FIRM, use_default_graph_as_union=True).serialize(format=ox.QueryResultsFormat.JSON)
    )
    firm = top["results"]["bindings"][0]["firm"]["value"]
    texts = {"trivial-ask": TRIVIAL, **queries(firm)}
    trig = Paths(var=var).dumps / "autoalliance.trig"
    setup: dict[str, float] = {}
    runners: dict[str, Callable[[str], bytes]] = {}
    servers: list[HttpEngine] = []
    try:
        if "pyoxigraph" in engines:
            runners["pyoxigraph"] = lambda q: store.query(q, use_default_graph_as_union=True).serialize(
                format=ox.QueryResultsFormat.JSON
            )
        if "endpoint" in engines:
            port = free_port()
            cmd = serve_command(var, port)
            server = HttpEngine("endpoint", cmd, port, "/sparql", out / "endpoint.log", ready_timeout=120)
            servers.append(server)
            setup["endpoint startup (s)"] = server.startup_seconds
            runners["endpoint"] = server.query
        if "rdflib" in engines:
            t0 = time.perf_counter()
            ds = Dataset(default_union=True)
            ds.parse(trig, format="trig")
            setup["rdflib parse TriG (s)"] = time.perf_counter() - t0
            runners["rdflib"] = lambda q: ds.query(q).serialize(format="json")
        if "rdflib-endpoint" in engines:
            port = free_port()
            cmd = [
                sys.executable,
                "-m",
                "rdflib_endpoint",
                "serve",
                str(trig),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ]
            server = HttpEngine("rdflib-endpoint", cmd, port, "/", out / "rdflib-endpoint.log", ready_timeout=1800)
            servers.append(server)
            setup["rdflib-endpoint startup (s)"] = server.startup_seconds
            runners["rdflib-endpoint"] = server.query
        results: dict[str, dict[str, dict[str, object]]] = {}
        for name, text in texts.items():
            results[name] = {}
            for engine, run in runners.items():
                times, body = time_runs(lambda run=run, text=text: run(text), min_runs, max_runs, budget)
                results[name][engine] = {
                    "median_ms": statistics.median(times) * 1000,
                    "runs": len(times),
                    "min_ms": min(times) * 1000,
                    "result": result_size(body),
                }
                progress(
                    f"{name:18} {engine:16} {results[name][engine]['median_ms']:10.2f} ms "
                    f"({len(times)} runs) -> {results[name][engine]['result']}"
                )
        reconnects = {s.name: s.reconnects for s in servers}
    finally:
        for server in servers:
            server.close()
    return {
        "firm": firm,
        "setup": {k: round(v, 2) for k, v in setup.items()},
        "queries": results,
        "reconnects": reconnects,
        "pid": os.getpid(),
    }


def ratios(results: dict[str, dict[str, dict[str, object]]]) -> dict[str, dict[str, float]]:
    """Per query: endpoint / pyoxigraph, rdflib-endpoint / endpoint and rdflib / pyoxigraph, of the medians."""
    table = {}
    for name, engines in results.items():
        med = {e: float(r["median_ms"]) for e, r in engines.items()}
        row = {}
        for label, a, b in (
            ("endpoint/pyoxigraph", "endpoint", "pyoxigraph"),
            ("rdflib-endpoint/endpoint", "rdflib-endpoint", "endpoint"),
            ("rdflib/pyoxigraph", "rdflib", "pyoxigraph"),
        ):
            if a in med and b in med and med[b] > 0:
                row[label] = med[a] / med[b]
        table[name] = row
    return table
