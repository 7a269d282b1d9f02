"""Serve the application with waitress, the production WSGI server, over the store already built on disk."""

from __future__ import annotations

import logging
from typing import Any

from waitress import serve

from . import create_app


def run(host: str, port: int, query_timeout: float, var_dir: str | None, threads: int,
        **settings: Any) -> None:
    """Serve on ``host:port`` with ``threads`` request threads until interrupted; queries stop at
    ``query_timeout`` seconds. ``var_dir`` (holding ``store/`` and ``dumps/``) defaults to the configured one.

    The store is opened read-only by the query workers, on the first query; nothing is built here. Returns
    when the server stops (Ctrl-C or SIGTERM), after stopping the query workers. Further ``settings``
    (``SEEDS_DIR``, ``ONTOLOGY_DIR``...) override the app's configuration.
    """
    config: dict[str, Any] = {"QUERY_TIMEOUT": float(query_timeout), **settings}
    if var_dir is not None:
        config["VAR_DIR"] = str(var_dir)
    app = create_app(config)
    logging.getLogger("waitress").setLevel(logging.INFO)
    from .query_exec import pool_for

    pool = pool_for(app)  # start the workers now, so the first query does not wait for them
    try:
        serve(app, host=host, port=port, threads=max(1, threads), ident="autoalliance")
    finally:
        pool.close()
