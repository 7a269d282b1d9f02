"""The autoalliance web application: SPARQL endpoint, linked-data pages, dumps and the query UI.

``create_app(config)`` follows Flask's application-factory pattern: defaults, then a config file named by
``AUTOALLIANCE_SETTINGS``, then ``AUTOALLIANCE_*`` environment variables, then the ``config`` argument (tests).
The directories come from :class:`kg.config.Paths` (``AUTOALLIANCE_VAR``, ``AUTOALLIANCE_SEEDS``,
``AUTOALLIANCE_ONTOLOGY``, as for the command line); the server reads only build outputs under ``VAR_DIR``.
Shared objects live in ``app.extensions["autoalliance"]``.

Flask is imported inside :func:`create_app` so that the query workers, which import :mod:`server.worker`, do
not load it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from kg.config import PROJECT_ROOT, Paths

if TYPE_CHECKING:
    from flask import Flask

DEFAULT_PORT = 8000
DEFAULTS: dict[str, Any] = {
    "VAR_DIR": None,  # None: kg.config.Paths (AUTOALLIANCE_VAR or ./var)
    "QUERY_TIMEOUT": 30.0,  # seconds per request: waiting for a worker, evaluation, transfer
    "MAX_QUERY_LENGTH": 100_000,  # characters
    "MAX_RESULT_ROWS": 100_000,  # rows (or triples) per response
    "MAX_RESULT_BYTES": 64 * 1024 * 1024,  # bytes of a serialized answer
    "QUERY_MEMORY_LIMIT": 2 * 1024**3,  # bytes of address space per query worker (RLIMIT_AS); 0: none
    "DESCRIPTION_PAGE_SIZE": 1000,  # statements per page of a resource's RDF (hubs are paginated)
    "SITEMAP_PAGE_SIZE": 50_000,  # URLs per sitemap file; more make /sitemap.xml an index
    "SERVICE_ALLOWLIST": [],  # IRIs that SERVICE may call; empty: SERVICE refused
    "CORS_ORIGINS": "*",  # never sent together with credentials
    "QUERY_WORKERS": 2,  # worker processes kept ready, per web process (more cost CPU caches, docs/benchmarks.md)
    "QUERY_WORKERS_MAX": 24,  # the most worker processes at once (each within QUERY_MEMORY_LIMIT)
    "SLOW_QUERY_AFTER": 1.0,  # seconds; a query running longer yields the CPU to new ones
    "ANSWER_CACHE_BYTES": 64 * 1024 * 1024,  # repeated queries answered from memory until the next build
    "PAGE_TIMEOUT": 10.0,  # seconds a page may take (waiting for a render slot included); then 503
    "PAGE_CONCURRENCY": os.cpu_count() or 2,  # pages prepared at once (the others wait, asleep)
    "PAGE_CACHE_BYTES": 64 * 1024 * 1024,  # rendered pages answered from memory until the next build
    "PAGE_MAX_AGE": 300,  # seconds of Cache-Control: max-age on pages
    "SPARQL_STORE": "",  # URL of an external SPARQL store that answers /sparql; empty: embedded
    "SPARQL_STORE_KIND": "virtuoso",  # its kind (kg.remote_store.KINDS), for its endpoints
    "EXAMPLE_QUERIES_DIR": str(PROJECT_ROOT / "server" / "queries"),  # *.rq, first line "# title"
    "DATASET_LICENSE": "https://creativecommons.org/licenses/by/4.0/",  # dcterms:license in the VoID
    "CONTENT_SECURITY_POLICY": (  # sent with every HTML page
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app. ``config`` overrides everything else (used by tests)."""
    from flask import Flask

    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_envvar("AUTOALLIANCE_SETTINGS", silent=True)
    app.config.from_prefixed_env("AUTOALLIANCE")
    if config:
        app.config.from_mapping(config)
    if not app.config.get("VAR_DIR"):
        app.config["VAR_DIR"] = str(Paths.from_env().var)

    from . import blueprints
    from .answer_cache import RepeatedQueries

    blueprints.init_app(app)
    app.wsgi_app = RepeatedQueries(app, app.wsgi_app)  # type: ignore[method-assign]
    return app
