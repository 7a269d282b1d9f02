"""Run SPARQL queries in worker processes, under a time limit that really stops them.

Each worker is a separate process (``spawn`` start method) holding the store open read-only. A query is sent to
an idle worker; the worker evaluates it, keeps at most ``max_rows + 1`` solutions or triples (to know whether the
result is truncated), sends a head message, then the serialized result in chunks over the pipe. The web process
only ever holds one chunk. At the time limit the worker is killed (SIGKILL) and replaced, so a runaway query
costs nothing after its limit while the other workers keep answering.

Workers cannot open Internet sockets when ``deny_network`` is set (no SERVICE allow-list), as a second line of
defence behind the SERVICE check in :mod:`server.query_check`.
"""

from __future__ import annotations

import multiprocessing
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from flask import Flask

from kg.store import store_identity

from .formats import CSV, RESULTS_JSON, RESULTS_XML, TSV
from .rdf_formats import BY_MEDIA_TYPE, serialize
from .results import write_solutions

CHUNK_SIZE = 64 * 1024
OX_RESULTS = {
    RESULTS_JSON: ox.QueryResultsFormat.JSON,
    RESULTS_XML: ox.QueryResultsFormat.XML,
    CSV: ox.QueryResultsFormat.CSV,
    TSV: ox.QueryResultsFormat.TSV,
}


class QueryFailed(Exception):
    """A query that produced no result; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryJob:
    """One query and how to answer it. ``None`` graph lists mean "not given by the request"."""

    query: str
    results_type: str | None  # media type for SELECT/ASK, None: none acceptable
    graph_type: str | None  # media type for CONSTRUCT/DESCRIBE, None: none acceptable
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    max_rows: int = 100_000
    prefixes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ResultHead:
    """What the worker says before the body: the kind of result, its media type, its size, truncation."""

    kind: str  # "solutions", "boolean" or "graph"
    media_type: str
    rows: int
    truncated: bool


# ---------------------------------------------------------------- the worker process


class _ChunkWriter:
    """A binary file-like object that sends what is written as ("chunk", bytes) messages of CHUNK_SIZE."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.buffer = bytearray()

    def write(self, data: bytes) -> int:
        self.buffer += data
        if len(self.buffer) >= CHUNK_SIZE:
            self.flush()
        return len(data)

    def flush(self) -> None:
        if self.buffer:
            self.conn.send(("chunk", bytes(self.buffer)))
            self.buffer.clear()


def _dataset_options(job: QueryJob) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if job.default_graphs is not None:
        options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
    if job.named_graphs is not None:
        options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    if job.union_default_graph and not options:
        options["use_default_graph_as_union"] = True
    return options


def _run_job(store: ox.Store, job: QueryJob, conn: Connection) -> None:
    try:
        options = _dataset_options(job)
    except ValueError as exc:
        conn.send(("failed", 400, f"invalid graph IRI: {exc}"))
        return
    try:
        result = store.query(job.query, **options)
        kind = (
            "boolean"
            if isinstance(result, ox.QueryBoolean)
            else ("solutions" if isinstance(result, ox.QuerySolutions) else "graph")
        )
        media = job.graph_type if kind == "graph" else job.results_type
        if media is None:
            offered = "Turtle, N-Triples, JSON-LD, RDF/XML" if kind == "graph" else "JSON, XML, CSV, TSV"
            conn.send(("failed", 406, f"none of the accepted media types fits this result; offered: {offered}"))
            return
        if isinstance(result, ox.QueryBoolean):
            conn.send(("head", ResultHead(kind, media, 1, False)))
            conn.send(("chunk", result.serialize(format=OX_RESULTS[media])))
        elif isinstance(result, ox.QuerySolutions):
            variables = [v.value for v in result.variables]
            rows = [list(solution) for solution in islice(result, job.max_rows + 1)]
            truncated = len(rows) > job.max_rows
            del rows[job.max_rows :]
            conn.send(("head", ResultHead(kind, media, len(rows), truncated)))
            writer = _ChunkWriter(conn)
            for piece in write_solutions(media, variables, rows):
                writer.write(piece.encode("utf-8"))
            writer.flush()
        else:
            triples = list(islice(result, job.max_rows + 1))
            truncated = len(triples) > job.max_rows
            del triples[job.max_rows :]
            conn.send(("head", ResultHead(kind, media, len(triples), truncated)))
            writer = _ChunkWriter(conn)
            writer.write(serialize(triples, BY_MEDIA_TYPE[media], dict(job.prefixes)))
            writer.flush()
    except SyntaxError as exc:
        conn.send(("failed", 400, f"query syntax error: {exc}"))
        return
    except (OSError, ValueError, TypeError) as exc:
        conn.send(("failed", 500, f"query evaluation failed: {exc}"))
        return
    conn.send(("end",))


def worker_main(conn: Connection, store_path: str, deny_network: bool) -> None:
    """Entry point of a worker process: open the store read-only, then answer jobs until told to stop."""
    if deny_network:
        from .sandbox import deny_internet_sockets

        deny_internet_sockets()
    from kg.store import open_store

    try:
        store = open_store(Path(store_path), read_only=True)
    except Exception as exc:  # any failure here is reported the same way: the store is unavailable
        conn.send(("failed", 503, f"the knowledge graph store is not available: {exc}"))
        return
    conn.send(("ready",))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            _run_job(store, job, conn)
        except (BrokenPipeError, EOFError, OSError):
            return


# ---------------------------------------------------------------- the web process side


class _Worker:
    def __init__(self, context: Any, store_path: str, deny_network: bool) -> None:
        self.identity = store_identity(store_path)  # the build this worker opens
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=worker_main, args=(child, store_path, deny_network), name="autoalliance-query", daemon=True
        )
        self.process.start()
        child.close()
        self.ready = False

    def receive(self, timeout: float) -> tuple[Any, ...]:
        """Return the next message; raise ``TimeoutError`` after ``timeout`` s, ``EOFError`` if the worker died."""
        if not self.conn.poll(max(timeout, 0.0)):
            raise TimeoutError
        return self.conn.recv()

    def kill(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


class QueryPool:
    """A fixed number of worker processes over one store; :meth:`execute` runs a :class:`QueryJob`."""

    def __init__(self, store_path: str, size: int = 2, timeout: float = 30.0, deny_network: bool = True) -> None:
        self.store_path = store_path
        self.size = max(1, size)
        self.timeout = timeout
        self.deny_network = deny_network
        self.startup_timeout = max(60.0, timeout)
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self.closed = False
        for _ in range(self.size):
            self._idle.put(self._spawn())

    def _spawn(self) -> _Worker:
        worker = _Worker(self._context, self.store_path, self.deny_network)
        with self._lock:
            self._all.add(worker)
        return worker

    def release(self, worker: _Worker) -> None:
        """Give a worker that finished cleanly back to the pool."""
        if self.closed:
            worker.kill()
        else:
            self._idle.put(worker)

    def discard(self, worker: _Worker) -> None:
        """Kill a worker whose state is unknown (timed out, abandoned mid-stream) and start a replacement."""
        worker.kill()
        with self._lock:
            self._all.discard(worker)
        if not self.closed:
            self._idle.put(self._spawn())

    def _acquire(self) -> _Worker:
        while True:
            try:
                worker = self._idle.get(timeout=self.timeout)
            except queue.Empty:
                raise QueryFailed(503, f"all {self.size} query workers are busy; try again shortly") from None
            if worker.identity == store_identity(self.store_path):
                break
            self.discard(worker)  # a build replaced the store since this worker opened it
        if not worker.ready:
            try:
                message = worker.receive(self.startup_timeout)
            except (TimeoutError, EOFError, OSError):
                self.discard(worker)
                raise QueryFailed(503, "a query worker failed to start") from None
            if message[0] != "ready":
                self.discard(worker)
                raise QueryFailed(message[1], message[2])
            worker.ready = True
        return worker

    def execute(self, job: QueryJob) -> tuple[ResultHead, ResultStream]:
        """Run ``job``; return the result head and a stream of body chunks (``bytes``).

        Raises :class:`QueryFailed`: 503 at the time limit or when no worker is free, 400 for a syntax error,
        406 when no acceptable format fits the result, 500 when evaluation fails.
        """
        worker = self._acquire()
        try:
            worker.conn.send(job)
            message = worker.receive(self.timeout)
        except TimeoutError:
            self.discard(worker)
            raise QueryFailed(
                503, f"the query was stopped at the time limit of {self.timeout:g} s; simplify it or add a LIMIT"
            ) from None
        except (EOFError, OSError):
            self.discard(worker)
            raise QueryFailed(500, "the query worker stopped unexpectedly") from None
        if message[0] == "failed":
            self.release(worker)
            raise QueryFailed(message[1], message[2])
        return message[1], ResultStream(self, worker)

    def close(self) -> None:
        """Stop every worker."""
        self.closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for worker in workers:
            worker.kill()


class ResultStream:
    """The body of a result, chunk by chunk; closing it early kills the worker (its pipe state is unknown)."""

    def __init__(self, pool: QueryPool, worker: _Worker) -> None:
        self._pool = pool
        self._worker: _Worker | None = worker

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        worker = self._worker
        if worker is None:
            raise StopIteration
        try:
            message = worker.receive(self._pool.timeout)
        except (TimeoutError, EOFError, OSError):
            self.close()
            raise StopIteration from None
        if message[0] == "chunk":
            return message[1]
        self._worker = None
        if message[0] == "end":
            self._pool.release(worker)
        else:  # a failure after the head: the body is cut short, which the client sees as a broken result
            self._pool.discard(worker)
        raise StopIteration

    def read_all(self) -> bytes:
        """Return the whole body (for small internal queries)."""
        return b"".join(self)

    def close(self) -> None:
        """Finish early (client gone, response never read): drain the rest of the body within the time limit so
        the worker can serve again; a worker that does not finish in time is killed and replaced."""
        worker, self._worker = self._worker, None
        if worker is None:
            return
        if self._pool.closed or sys.is_finalizing():
            worker.kill()
            return
        deadline = time.monotonic() + self._pool.timeout
        try:
            while True:
                message = worker.receive(deadline - time.monotonic())
                if message[0] != "chunk":
                    break
        except (TimeoutError, EOFError, OSError):
            self._pool.discard(worker)
            return
        if message[0] == "end":
            self._pool.release(worker)
        else:
            self._pool.discard(worker)

    def __del__(self) -> None:
        self.close()


_POOL_LOCK = threading.Lock()


def pool_for(app: Flask) -> QueryPool:
    """Return the app's :class:`QueryPool`, starting it on first use from the app's config."""
    state = app.extensions.setdefault("autoalliance", {})
    with _POOL_LOCK:
        pool = state.get("query_pool")
        if pool is None:
            pool = QueryPool(
                str(Path(app.config["VAR_DIR"]) / "store"),
                size=int(app.config["QUERY_WORKERS"]),
                timeout=float(app.config["QUERY_TIMEOUT"]),
                deny_network=not app.config["SERVICE_ALLOWLIST"],
            )
            state["query_pool"] = pool
    return pool
