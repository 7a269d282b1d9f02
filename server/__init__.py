"""The autoalliance web application: SPARQL endpoint, linked-data pages, dumps and the query UI.

``create_app(config)`` follows Flask's application-factory pattern: defaults, then a config file named by
``AUTOALLIANCE_SETTINGS``, then ``AUTOALLIANCE_*`` environment variables, then the ``config`` argument (tests).
Shared objects live in ``app.extensions["autoalliance"]``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from kg.config import Paths

DEFAULTS: dict[str, Any] = {
    "VAR_DIR": str(Paths().var),            # store/ and dumps/ live here
    "PUBLIC_BASE": "https://w3id.org/autoalliance/",   # IRIs under it dereference at the matching local path
    "QUERY_TIMEOUT": 30.0,                  # seconds; the evaluation is stopped at the limit
    "MAX_QUERY_LENGTH": 100_000,            # characters
    "MAX_RESULT_ROWS": 100_000,             # rows (or triples) per response
    "SERVICE_ALLOWLIST": [],                # IRIs that SERVICE may call; empty: SERVICE refused
    "CORS_ORIGINS": "*",                    # never sent together with credentials
    "QUERY_WORKERS": 2,
}


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the Flask app. ``config`` overrides everything else (used by tests)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_envvar("AUTOALLIANCE_SETTINGS", silent=True)
    app.config.from_prefixed_env("AUTOALLIANCE")
    if config:
        app.config.from_mapping(config)

    from . import blueprints

    blueprints.init_app(app)
    return app
