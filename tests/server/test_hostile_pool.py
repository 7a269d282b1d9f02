"""Regression tests for the query pool under a hostile load, one per failure seen (each named after it): 503s
while replacement workers started one at a time, refusals that waited for a worker, and bursts of short queries
that started a crowd of processes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

from flask import Flask

from server.query_exec import pool_for

SLOW = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"  # runs to the time limit
SMALL = "SELECT ?f WHERE { ?f a aa:Firm } LIMIT 3"


def get(app: Flask, query: str) -> tuple[int, float]:
    """Status and seconds taken of ``query`` through the whole app (answer cache and fast path included)."""
    started = time.monotonic()
    response = app.test_client().get("/sparql?" + urlencode({"query": query}))
    return response.status_code, time.monotonic() - started


def wait_ready(app: Flask) -> None:
    pool = pool_for(app)
    pool.start(wait=60)
    assert get(app, "ASK {}")[0] == 200


def test_unknown_function_is_refused_without_waiting_for_a_worker(make_app: Callable[..., Flask]) -> None:
    app = make_app(QUERY_TIMEOUT=6, QUERY_WORKERS=1, QUERY_WORKERS_MAX=1)
    wait_ready(app)
    slow = threading.Thread(target=get, args=(app, SLOW))
    slow.start()  # holds the only worker until the time limit
    time.sleep(0.5)
    try:
        status, seconds = get(app, "SELECT (<urn:f>(1) AS ?x) {}")
        assert status == 400
        assert seconds < 3  # not after the slow query's time limit, and never a 503
        response = app.test_client().get("/sparql?" + urlencode({"query": "SELECT (<urn:f>(1) AS ?x) {}"}))
        assert "custom function" in response.text
    finally:
        slow.join()


def test_replacements_for_slow_queries_start_in_parallel(make_app: Callable[..., Flask]) -> None:
    """Four slow queries take every ready worker: spares start beside all four at once, so a small query is
    answered with 200 well before the slow ones end (it used to wait for spares started one at a time, and got
    503 at its deadline)."""
    app = make_app(QUERY_TIMEOUT=12, QUERY_WORKERS=2, QUERY_WORKERS_MAX=8, SLOW_QUERY_AFTER=1.0)
    wait_ready(app)
    with ThreadPoolExecutor(4) as slow_clients:
        slow = [slow_clients.submit(get, app, SLOW) for _ in range(4)]
        time.sleep(0.5)
        statuses = []
        for _ in range(5):
            status, seconds = get(app, SMALL)
            statuses.append((status, seconds))
            time.sleep(0.2)
        for future in slow:
            assert future.result()[0] == 503  # stopped at the limit, with its message
    assert all(status == 200 for status, _ in statuses), statuses
    assert max(seconds for _, seconds in statuses) < 8, statuses


def test_a_burst_of_short_queries_starts_no_new_workers(make_app: Callable[..., Flask]) -> None:
    """Sixteen concurrent short queries wait for the two ready workers instead of starting up to
    QUERY_WORKERS_MAX processes (which cost more CPU than the queries and made throughput fall with clients)."""
    app = make_app(QUERY_WORKERS=2, QUERY_WORKERS_MAX=24, ANSWER_CACHE_BYTES=0)
    wait_ready(app)
    pool = pool_for(app)
    with ThreadPoolExecutor(16) as clients:
        results = list(clients.map(lambda n: get(app, f"{SMALL}\nVALUES ?n {{ {n} }}"), range(200)))
    assert all(status == 200 for status, _ in results)
    assert len(pool._all) == 2


def test_a_worker_killed_twice_at_once_closes_its_pipe_once(make_app: Callable[..., Flask]) -> None:
    """Closing the pool while a worker that could not start was being discarded closed its pipe twice (OSError:
    Bad file descriptor at teardown)."""
    pool = pool_for(make_app())
    pool.start(wait=60)
    worker = next(iter(pool._all))
    with ThreadPoolExecutor(8) as killers:
        list(killers.map(lambda _: worker.kill(), range(8)))
    assert worker.killed and not worker.process.is_alive()


def test_a_query_that_comes_later_never_takes_the_worker_of_one_that_waits(make_app: Callable[..., Flask]) -> None:
    """Under load a freed worker went to whichever request asked first after it was freed, not to the query
    waiting longest, so some queries waited several turns (the long tail of the latency). Now a query that
    arrives while others wait queues behind them."""
    app = make_app(QUERY_TIMEOUT=10, QUERY_WORKERS=1, QUERY_WORKERS_MAX=1)
    wait_ready(app)
    pool = pool_for(app)
    held = pool._acquire(time.monotonic() + 10)  # the only worker, busy
    got: list[object] = []
    waiter = threading.Thread(target=lambda: got.append(pool._acquire(time.monotonic() + 10)))
    waiter.start()
    for _ in range(200):  # until the first query waits for a worker
        if pool._waiters:
            break
        time.sleep(0.01)
    assert len(pool._waiters) == 1
    pool._release(held)  # the worker is free: it is the waiting query's
    try:
        later = pool._acquire(time.monotonic() + 1.0)  # a query that comes now may not take it
    except Exception as exc:  # the waiting query holds the only worker until this one's deadline
        assert getattr(exc, "status", None) == 503
    else:
        waiter.join(timeout=5)
        raise AssertionError(f"a later query took the worker ({later}) while another waited ({got})")
    waiter.join(timeout=5)
    assert got == [held]
    pool._release(held)
