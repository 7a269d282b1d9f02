"""A hostile load on the running server: 16 clients for 60 s (pages and queries, mixed), while slow queries run,
clients stall without reading, and queries that used to crash the engine keep arriving.

Reports requests served, errors (the goal: no 5xx other than the 503s the slow queries are answered with at their
time limit), p50/p99 of the normal traffic, and the memory (RSS) of the server and its query workers before and
after. Run::

    python -m bench.load_hostile --var var --seconds 60 [--clients 16] [--slow 4] [--stalled 2]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

from kg.config import Paths

from .queries import queries
from .query_latency import HttpEngine, free_port, serve_command

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
HOSTILE = [
    "SELECT (<urn:f>(1) AS ?x) {}",
    "SELECT * " + "{" * 3000 + "}" * 3000,
    "SELECT * { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } ORDER BY ?a ?d ?g ?j",
]
PAGES = ["/", "/id/firm/bmw", "/id/firm/toyota", "/sparql", "/.well-known/void", "/ontology", "/dumps/"]


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the web processes and their query workers)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return found


def rss_kib(pid: int) -> int:
    """Resident memory of ``pid`` and its descendants, in KiB."""
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


def client_loop(
    port: int,
    stop: threading.Event,
    paths: list[str],
    latencies: list[float],
    statuses: dict[int, int],
    lock: threading.Lock,
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    i = 0
    while not stop.is_set():
        path = paths[i % len(paths)]
        i += 1
        started = time.monotonic()
        try:
            conn.request("GET", path, headers={"Accept": "application/sparql-results+json, text/html;q=0.9"})
            response = conn.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException):
            status = 599
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        with lock:
            latencies.append(time.monotonic() - started)
            statuses[status] = statuses.get(status, 0) + 1


def background(
    port: int, stop: threading.Event, query: str, statuses: dict[str, int], lock: threading.Lock, name: str
) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop.is_set():
        try:
            conn.request("GET", "/sparql?" + urlencode({"query": query}))
            response = conn.getresponse()
            response.read()
            key = f"{name} {response.status}"
        except (OSError, http.client.HTTPException):
            key = f"{name} error"
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        with lock:
            statuses[key] = statuses.get(key, 0) + 1


def stall(port: int) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    query = urlencode({"query": "SELECT * WHERE { ?s ?p ?o . ?a ?b ?c } LIMIT 50000"})
    sock.sendall(f"GET /sparql?{query} HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n".encode())
    return sock


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var", type=Path, default=Paths.from_env().var)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--slow", type=int, default=4, help="clients looping on a query that runs to the limit")
    parser.add_argument("--stalled", type=int, default=2, help="clients that never read their answer")
    parser.add_argument("--timeout", type=float, default=10.0, help="the server's query time limit")
    parser.add_argument("--out", type=Path, default=Path("bench/out/load-hostile"))
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = HttpEngine(
        "endpoint",
        serve_command(args.var, port, "--threads", "24", "--query-timeout", str(args.timeout)),
        port,
        "/sparql",
        args.out / "endpoint.log",
        ready_timeout=120,
    )
    firm = "https://w3id.org/autoalliance/id/firm/bmw"
    paths = [*PAGES] + ["/sparql?" + urlencode({"query": q}) for q in queries(firm).values()]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    others: dict[str, int] = {}
    lock = threading.Lock()
    stop = threading.Event()
    try:
        time.sleep(1)
        before = rss_kib(server.proc.pid)
        sockets = [stall(port) for _ in range(args.stalled)]
        threads = [
            threading.Thread(target=client_loop, args=(port, stop, paths[i:] + paths[:i], latencies, statuses, lock))
            for i in range(args.clients)
        ]
        threads += [
            threading.Thread(target=background, args=(port, stop, SLOW, others, lock, "slow")) for _ in range(args.slow)
        ]
        threads += [
            threading.Thread(
                target=background,
                args=(port, stop, HOSTILE[i % len(HOSTILE)], others, lock, f"hostile-{i % len(HOSTILE)}"),
            )
            for i in range(3)
        ]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        peak = before
        while time.monotonic() - started < args.seconds:
            time.sleep(1)
            peak = max(peak, rss_kib(server.proc.pid))
        stop.set()
        for thread in threads:
            thread.join(timeout=args.timeout + 30)
        elapsed = time.monotonic() - started
        time.sleep(2)
        after = rss_kib(server.proc.pid)
        for sock in sockets:
            sock.close()
    finally:
        server.close()
    ordered = sorted(latencies)
    report = {
        "seconds": round(elapsed, 1),
        "clients": args.clients,
        "slow clients": args.slow,
        "stalled readers": args.stalled,
        "hostile clients": 3,
        "requests served (normal traffic)": len(latencies),
        "requests/s (normal traffic)": round(len(latencies) / elapsed, 1),
        "statuses (normal traffic)": dict(sorted(statuses.items())),
        "5xx (normal traffic)": sum(n for s, n in statuses.items() if s >= 500),
        "p50 ms": round(statistics.median(ordered) * 1000, 1) if ordered else None,
        "p99 ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 1) if ordered else None,
        "slow and hostile queries": dict(sorted(others.items())),
        "RSS before (MiB)": round(before / 1024, 1),
        "RSS peak (MiB)": round(peak / 1024, 1),
        "RSS after (MiB)": round(after / 1024, 1),
        "cpus": os.cpu_count(),
    }
    (args.out / "load-hostile.json").write_text(json.dumps(report, indent=1))
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
