"""Serve the application with waitress over the last good build on disk (nothing is built here).

Waitress's own limits (``connection_limit``, ``channel_timeout``, ``backlog``) are set here; see
docs/deployment.md for running behind a reverse proxy.
"""

from __future__ import annotations

import logging
from typing import Any

from waitress import serve

from . import DEFAULT_PORT, create_app
from .query_exec import pool_for

CONNECTION_LIMIT = 1000  # open connections, idle or half-open ones included
BACKLOG = 1024


def run(host: str = "127.0.0.1", port: int = DEFAULT_PORT, threads: int = 8, **settings: Any) -> None:
    """Serve on ``host:port`` with ``threads`` request threads until interrupted, then stop the query workers.

    ``settings`` override the app's configuration (``QUERY_TIMEOUT``, ``VAR_DIR``...). A connection idle for
    longer than the query time limit is closed, so half-open connections cannot pile up.
    """
    app = create_app(settings)
    logging.getLogger("waitress").setLevel(logging.INFO)
    pool = pool_for(app)
    pool.start()  # start the workers now, so the first query does not wait for them
    timeout = max(5, int(float(app.config["QUERY_TIMEOUT"])) + 5)
    try:
        serve(
            app,
            host=host,
            port=port,
            threads=max(1, threads),
            ident="autoalliance",
            connection_limit=CONNECTION_LIMIT,
            channel_timeout=timeout,
            backlog=BACKLOG,
            cleanup_interval=min(30, timeout),
        )
    finally:
        pool.close()
