"""Serve the application over the last good build on disk (nothing is built here), with Granian.

Granian is an HTTP server written in Rust: it parses requests and writes responses itself, and calls the WSGI
application from a pool of Python threads. Each web process (``--processes``, one per core by default) runs the
app: its threads parse requests and wait on its query workers, which evaluate (:mod:`server.query_exec`); two
processes double the Python work one interpreter lock allows. Measured on the seed graph (docs/benchmarks.md,
"The endpoint under load"), waitress tops out near 3,000 requests per second where Granian answers more than
10,000 from the same app.

Connections: Granian reads and writes them asynchronously, so idle, half-open or slow-reading connections cost a
buffer, not a thread; a client has ``HEADER_TIMEOUT`` seconds to send a request's headers. See
docs/deployment.md for running behind a reverse proxy.
"""

from __future__ import annotations

import atexit
import gc
import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from . import DEFAULT_PORT, create_app
from .query_exec import STARTUP_TIMEOUT, pool_for

BACKLOG = 1024  # connections waiting to be accepted
HEADER_TIMEOUT = 10  # seconds a client may take to send the headers of a request
STOP_TIMEOUT = 10  # seconds a web process has to stop when the server is asked to (SIGTERM); then it is killed


def load_app(settings: dict[str, Any]) -> Callable[..., Any]:
    """The WSGI application for the web process: ``create_app(settings)`` with its query workers started and
    ready (so that the first query does not wait for them), stopped when the process exits."""
    app = create_app(settings)
    pool = pool_for(app)
    pool.start(wait=STARTUP_TIMEOUT)  # this process takes requests once its workers are ready
    atexit.register(pool.close)
    # the app's modules (rdflib, pyparsing, Flask...) are a large heap that never becomes garbage: moved out of
    # the collector's reach, so that collections triggered by requests stay short
    gc.freeze()
    # collections triggered by allocation cost a third of the throughput under load (every cached answer adds
    # objects); cyclic garbage is collected on a clock instead, which bounds it as well
    gc.disable()
    threading.Thread(target=_collect_garbage, name="collect-garbage", daemon=True).start()
    return app


def _collect_garbage(interval: float = 1.0, full_every: int = 60) -> None:
    """Collect the young generation every ``interval`` seconds and every generation every ``full_every``."""
    ticks = 0
    while True:
        time.sleep(interval)
        ticks += 1
        gc.collect(2 if ticks % full_every == 0 else 0)


def run(
    host: str = "127.0.0.1", port: int = DEFAULT_PORT, threads: int = 32, processes: int = 2, **settings: Any
) -> None:
    """Serve on ``host:port`` with ``processes`` web processes of ``threads`` request threads each until
    interrupted (SIGINT or SIGTERM). Each web process has its own query workers and answer cache.

    ``settings`` override the app's configuration (``QUERY_TIMEOUT``, ``VAR_DIR``...).
    """
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    # Granian advises against more threads than cores; here threads mostly wait for query workers and pages
    logging.getLogger("_granian").addFilter(lambda record: "Python threads" not in record.getMessage())
    server = Server(
        "server.serve:load_app",
        address=host,
        port=port,
        interface=Interfaces.WSGI,
        workers=max(1, processes),
        blocking_threads=max(1, threads),
        backlog=BACKLOG,
        websockets=False,
        http1_settings=HTTP1Settings(header_read_timeout=HEADER_TIMEOUT * 1000),
        workers_kill_timeout=STOP_TIMEOUT,  # Granian's default waits for ever for a web process to stop
        log_level=LogLevels.warning,
    )
    server.serve(target_loader=partial(load_app, settings), wrap_loader=False)
