"""The autoalliance web application: SPARQL endpoint, linked-data pages, dumps and the query UI.

``create_app(config)`` follows Flask's application-factory pattern: defaults, then a config file named by
``AUTOALLIANCE_SETTINGS``, then ``AUTOALLIANCE_*`` environment variables, then the ``config`` argument (tests).
Shared objects live in ``app.extensions["autoalliance"]``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from kg.config import PROJECT_ROOT, Paths

DEFAULTS: dict[str, Any] = {
    "VAR_DIR": str(Paths().var),            # store/ and dumps/ live here
    "PUBLIC_BASE": "https://w3id.org/autoalliance/",   # IRIs under it dereference at the matching local path
    "QUERY_TIMEOUT": 30.0,                  # seconds; the evaluation is stopped at the limit
    "MAX_QUERY_LENGTH": 100_000,            # characters
    "MAX_RESULT_ROWS": 100_000,             # rows (or triples) per response
    "DESCRIPTION_PAGE_SIZE": 1000,          # statements per page of a resource's RDF (hubs are paginated)
    "SITEMAP_PAGE_SIZE": 50_000,            # URLs per sitemap file; more make /sitemap.xml an index
    "SERVICE_ALLOWLIST": [],                # IRIs that SERVICE may call; empty: SERVICE refused
    "CORS_ORIGINS": "*",                    # never sent together with credentials
    "QUERY_WORKERS": 2,
    "SEEDS_DIR": str(Paths().seeds),        # documents/<id>.txt: the texts whose quotes document pages mark
    "ONTOLOGY_DIR": str(Paths().ontology),  # *.ttl served at /ontology
    "EXAMPLE_QUERIES_DIR": str(PROJECT_ROOT / "tests" / "competency"),  # *.rq, first line "# title"
    "DATASET_LICENSE": "https://creativecommons.org/licenses/by/4.0/",  # dcterms:license in the VoID
    "CONTENT_SECURITY_POLICY": (            # sent with every HTML page
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "frame-ancestors 'none'; form-action 'self'"
    ),
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
