"""The pool of query workers (:mod:`server.worker`), owned by the app and created once by :func:`init_app`.

One deadline per request covers waiting for a worker, evaluation and the transfer of the answer: at the deadline
the worker is killed (SIGKILL) and replaced, and the client gets 503. The pool keeps ``QUERY_WORKERS`` workers
ready; a query waits (first come, first served) for one of them to be free rather than for a new process to
start, so a burst of short queries never starts a crowd of processes. Capacity for short queries is kept beside
long ones: for every worker busy for longer than ``SPARE_AFTER`` seconds one more is started, at once and in
parallel, up to ``QUERY_WORKERS_MAX``; a worker killed at the deadline or dead is replaced at once. A query still
running after ``SLOW_QUERY_AFTER`` seconds has its worker's CPU priority lowered (nice 19), so that short queries
keep being answered quickly beside long ones; afterwards its priority is raised again, or, where the system does
not allow that (an unprivileged process cannot raise a priority), the worker is retired and replaced. A worker
that dies (out of memory, a crash in the engine) is logged.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import select
import signal
import threading
import time
from collections import deque
from typing import TYPE_CHECKING, Any, Protocol

from kg.store import store_identity

from .answers import QueryAnswer, QueryJob
from .httperror import HTTPError
from .worker import worker_main

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["QueryAnswer", "QueryJob", "QueryPool", "HTTPError", "QueryFailed"]
QueryFailed = HTTPError  # the name callers used before the one error type
log = logging.getLogger("autoalliance.query")
STARTUP_TIMEOUT = 60.0  # seconds for a worker to import pyoxigraph and open the store
SPARE_AFTER = 0.2  # seconds a worker may be busy before a spare is started beside it


_IDENTITIES: dict[str, tuple[tuple[int, int], str | None]] = {}


def current_identity(path: str) -> str | None:
    """:func:`kg.store.store_identity` of ``path``, read again only when ``path`` leads to another directory
    than last time (one ``stat`` per call instead of resolving every link of the path)."""
    try:
        found = os.stat(path)
    except FileNotFoundError:
        return None
    key = (found.st_dev, found.st_ino)
    cached = _IDENTITIES.get(path)
    if cached is not None and cached[0] == key:
        return cached[1]
    identity = store_identity(path)
    _IDENTITIES[path] = (key, identity)
    return identity


class _Worker:
    def __init__(self, context: Any, store_path: str, deny_network: bool, memory_limit: int) -> None:
        self.identity = store_identity(store_path)  # the build this worker opens
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(
            target=worker_main,
            args=(child, store_path, deny_network, memory_limit),
            name="autoalliance-query",
            daemon=True,
        )
        self.process.start()
        child.close()
        self.ready = False
        self.niced = False
        self.busy_since: float | None = None  # when the query it is answering was sent
        self.killed = False
        self._kill_lock = threading.Lock()
        self._poll = select.poll()  # registered once: cheaper than Connection.poll's selector per call
        self._poll.register(self.conn.fileno(), select.POLLIN)

    def receive(self, timeout: float) -> tuple[Any, ...]:
        """The next message; ``TimeoutError`` after ``timeout`` s, ``EOFError`` when the worker died."""
        if not self._poll.poll(max(timeout, 0.0) * 1000):
            raise TimeoutError
        return self.conn.recv()

    def lower_priority(self) -> None:
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, 19)
            self.niced = True
        except OSError:
            pass

    def restore_priority(self) -> bool:
        """Give the worker its normal CPU priority back; False when the system does not allow it (an
        unprivileged process may lower a priority, not raise it again)."""
        try:
            os.setpriority(os.PRIO_PROCESS, self.process.pid or 0, 0)
        except OSError:
            return False
        self.niced = False
        return True

    def kill(self) -> None:
        """End the worker and close its pipe; safe to call from several threads (the pool closing while a
        worker that failed to start is discarded)."""
        with self._kill_lock:
            if self.killed:
                return
            self.killed = True
        if self.process.is_alive():
            self.process.kill()
        self.process.join(timeout=10)
        self.conn.close()


class _Waiter:
    """A query waiting for a worker: :meth:`QueryPool._release` sets ``worker`` and then ``ready``."""

    __slots__ = ("ready", "worker")

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.worker: _Worker | None = None


class QueryPool:
    """Worker processes over the store at ``store_path``; :meth:`execute` answers a :class:`QueryJob`."""

    def __init__(
        self,
        store_path: str,
        size: int = 2,
        timeout: float = 30.0,
        deny_network: bool = True,
        max_size: int | None = None,
        memory_limit: int = 0,
        slow_after: float = 1.0,
    ) -> None:
        self.store_path = store_path
        self.size = max(1, size)
        self.max_size = max(self.size, max_size or self.size)
        self.timeout = timeout
        self.deny_network = deny_network
        self.memory_limit = memory_limit
        self.slow_after = slow_after
        self._context = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []  # ready workers, under _lock; the last one, most recently used, is warm
        self._waiters: deque[_Waiter] = deque()  # queries waiting for a worker, first come first
        self._count = 0
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()
        self._starting = 0  # workers started and not ready yet
        self._warm = False  # whether any worker has been ready yet
        self._start_error: HTTPError | None = None  # why the last worker could not start (no store...)
        self.closed = False

    def start(self, wait: float = 0.0) -> None:
        """Start the ``size`` ready workers now rather than on the first queries; wait up to ``wait`` seconds for
        them to be ready."""
        while True:
            with self._lock:
                if self._count >= self.size:
                    break
            self._warm_up(self._spawn())
        deadline = time.monotonic() + wait
        while self._starting and time.monotonic() < deadline:
            time.sleep(0.05)

    def _warm_up(self, worker: _Worker) -> None:
        """Make ``worker`` idle once it is ready, waiting in a thread of its own: only ready workers are idle, so
        no query waits for a worker to start while another is free."""

        def wait() -> None:
            try:
                message = worker.receive(STARTUP_TIMEOUT)
            except (TimeoutError, EOFError, OSError, ValueError):
                message = ("died",)
            finally:
                with self._lock:
                    self._starting -= 1
            if message[0] != "ready":
                if message[0] == "failed":
                    self._start_error = HTTPError(message[1], message[2], {"Retry-After": "5"})
                self._discard(worker, replace=False)
                return
            self._start_error = None
            self._warm = True
            worker.ready = True
            self._release(worker)

        with self._lock:
            self._starting += 1
        threading.Thread(target=wait, name="query-worker-start", daemon=True).start()

    def _spawn(self, reserved: bool = False) -> _Worker:
        worker = _Worker(self._context, self.store_path, self.deny_network, self.memory_limit)
        with self._lock:
            self._all.add(worker)
            if not reserved:
                self._count += 1
        return worker

    def _discard(self, worker: _Worker, replace: bool = True) -> None:
        worker.kill()
        with self._lock:
            if worker in self._all:
                self._all.discard(worker)
                self._count -= 1
            below = self._count < self.size
        if replace and below and not self.closed:
            self._warm_up(self._spawn())

    def _release(self, worker: _Worker) -> None:
        """Hand ``worker`` to the query that has waited longest, or keep it idle."""
        if self.closed or (worker.niced and not worker.restore_priority()):
            self._discard(worker)
            return
        with self._lock:
            if self._waiters:
                waiter = self._waiters.popleft()
                waiter.worker = worker
                waiter.ready.set()
            else:
                self._idle.append(worker)

    def _grow(self) -> _Worker | None:
        """A new worker when the pool may grow, else None."""
        with self._lock:
            if self._count >= self.max_size:
                return None
            self._count += 1  # reserved under the lock, so that concurrent requests never pass max_size
        return self._spawn(reserved=True)

    def _add_spares(self) -> None:
        """Start, in parallel, as many workers as there are workers busy for longer than :data:`SPARE_AFTER`
        beyond those already started (up to ``max_size``), so that ``size`` workers stay for short queries."""
        now = time.monotonic()
        with self._lock:
            long_busy = sum(
                1 for w in self._all if w.busy_since is not None and (w.niced or now - w.busy_since > SPARE_AFTER)
            )
            missing = min(self.size + long_busy, self.max_size) - self._count
        for _ in range(max(missing, 0)):
            spare = self._grow()
            if spare is None:
                return
            self._warm_up(spare)

    def _wait(self, waiter: _Waiter, deadline: float) -> _Worker:
        """The worker handed to ``waiter`` (queued by :meth:`_acquire`) before ``deadline``: a freed one or a spare
        that finished starting; workers go to waiting queries in the order they came."""
        while True:
            remaining = deadline - time.monotonic()
            if waiter.ready.wait(max(min(remaining, SPARE_AFTER / 2), 0.0)):
                return waiter.worker  # type: ignore[return-value]  # set with ready
            error = self._start_error
            if error is not None and self._count == 0:
                failure: HTTPError | None = error
            elif remaining <= SPARE_AFTER / 2:
                failure = HTTPError(
                    503,
                    f"all {self.max_size} query workers stayed busy until the time limit of "
                    f"{self.timeout:g} s; try again shortly",
                    {"Retry-After": "5"},
                )
            else:
                failure = None
            if failure is not None:
                with self._lock:
                    if waiter.ready.is_set():  # handed a worker just now
                        return waiter.worker  # type: ignore[return-value]
                    self._waiters.remove(waiter)
                raise failure
            if self._count < self.size and not self._starting:
                self._warm_up(self._spawn())  # a pool whose workers could not start tries again
            self._add_spares()

    def _acquire(self, deadline: float) -> _Worker:
        while True:
            with self._lock:
                # a query that comes while others wait queues behind them, even when a worker was just freed
                worker = self._idle.pop() if self._idle and not self._waiters else None
                if worker is None:
                    waiter = _Waiter()
                    self._waiters.append(waiter)
            if worker is None:
                self._add_spares()  # only when long queries hold workers; otherwise wait for a free one
                worker = self._wait(waiter, deadline)
            if worker.identity != current_identity(self.store_path):
                self._discard(worker)  # a build replaced the store since this worker opened it
                continue
            return worker

    def execute(self, job: QueryJob, deadline: float | None = None) -> QueryAnswer:
        """Answer ``job`` by ``deadline`` (``time.monotonic()`` seconds; default: the pool's timeout from now).

        Raises :class:`HTTPError`: 503 at the deadline, when the store is missing or the query ran out of
        memory; 400 for a refused, invalid or engine-crashing query; 406 and 413 as the worker decides.
        """
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        if not self._warm:  # the first queries of a pool started lazily wait for its first worker to start
            self._release(self._acquire(time.monotonic() + STARTUP_TIMEOUT))
            deadline = max(deadline, time.monotonic() + self.timeout)
        worker = self._acquire(deadline)
        worker.busy_since = time.monotonic()
        try:
            worker.conn.send_bytes(pickle.dumps(job, pickle.HIGHEST_PROTOCOL))  # cheaper than Connection.send
            try:
                message = worker.receive(min(self.slow_after, deadline - time.monotonic()))
            except TimeoutError:
                worker.lower_priority()
                self._add_spares()  # its replacement starts now, before a short query needs it
                message = worker.receive(deadline - time.monotonic())
        except TimeoutError:
            self._discard(worker)
            raise HTTPError(
                503,
                f"the query was stopped at the time limit of {self.timeout:g} s; simplify it or add a LIMIT",
                {"Retry-After": "5"},
            ) from None
        except (EOFError, OSError):
            worker.process.join(timeout=5)
            code = worker.process.exitcode
            self._discard(worker)
            raise self._death(code, job) from None
        worker.busy_since = None
        self._release(worker)
        if message[0] == "failed":
            raise HTTPError(message[1], message[2])
        return message[1]

    def _death(self, code: int | None, job: QueryJob) -> HTTPError:
        """The error for a worker that died with exit ``code`` while answering ``job`` (and log it)."""
        log.warning("query worker died (exit %s) on query %r", code, job.query[:500])
        if code in (-signal.SIGABRT, -signal.SIGKILL):  # Rust aborts when an allocation fails; the kernel kills
            return HTTPError(
                503, "the query used too much memory and was stopped; simplify it or add a LIMIT", {"Retry-After": "5"}
            )
        return HTTPError(400, "the query crashed the query engine and was refused; simplify it")

    def close(self) -> None:
        """Stop every worker."""
        self.closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
            self._count = 0
        for worker in workers:
            worker.kill()


class QueryBackend(Protocol):
    """What answers the app's queries: the embedded :class:`QueryPool`, or an external store
    (:class:`server.backend_remote.RemoteBackend`)."""

    def start(self, wait: float = 0.0) -> None:
        """Be ready to answer (start workers, learn the store's quirks), waiting up to ``wait`` seconds."""

    def execute(self, job: QueryJob, deadline: float | None = None) -> QueryAnswer:
        """The answer to ``job`` by ``deadline``; raises :class:`server.httperror.HTTPError` otherwise."""
        raise NotImplementedError

    def close(self) -> None:
        """Stop answering and release what answering held."""


def init_app(app: Flask) -> None:
    """Give ``app`` its query pool, configured from ``app.config``; its workers start on the first query (or
    when :meth:`QueryPool.start` is called, as ``autoalliance serve`` does)."""
    from .store import extension_state, store_path

    config = app.config
    state = extension_state(app)
    if "query_pool" not in state and config.get("SPARQL_STORE"):  # an external store answers (serve --store)
        from .backend_remote import RemoteBackend

        remote: QueryBackend = RemoteBackend.from_url(
            config["SPARQL_STORE"], config["SPARQL_STORE_KIND"], timeout=float(config["QUERY_TIMEOUT"])
        )
        state["query_pool"] = remote
        config["ANSWER_CACHE_BYTES"] = 0  # the cache is per local build; the external store changes on its own
    if "query_pool" not in state:
        embedded: QueryBackend = QueryPool(
            str(store_path(app)),
            size=int(config["QUERY_WORKERS"]),
            max_size=int(config["QUERY_WORKERS_MAX"]),
            timeout=float(config["QUERY_TIMEOUT"]),
            deny_network=not service_allowlist(config.get("SERVICE_ALLOWLIST")),
            memory_limit=int(config["QUERY_MEMORY_LIMIT"]),
            slow_after=float(config["SLOW_QUERY_AFTER"]),
        )
        state["query_pool"] = embedded


def service_allowlist(setting: object) -> tuple[str, ...]:
    """``SERVICE_ALLOWLIST`` as IRIs (a string setting is split on spaces and commas)."""
    if not setting:
        return ()
    if isinstance(setting, str):
        return tuple(setting.replace(",", " ").split())
    return tuple(str(iri) for iri in setting)  # type: ignore[attr-defined]


def pool_for(app: Flask) -> QueryBackend:
    """The app's query backend (created by :func:`init_app`)."""
    return app.extensions["autoalliance"]["query_pool"]
