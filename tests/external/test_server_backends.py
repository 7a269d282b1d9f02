"""The server's SPARQL protocol and negotiation tests (tests/server/test_protocol.py, test_sparql_negotiation.py),
collected again here and run by an app whose /sparql is answered by an external store: Virtuoso, then Oxigraph's
server, each holding the real build.

The ``app`` fixture below replaces the embedded one for these tests; everything else is the same test code.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from bench.stores import StoreServer
from kg.config import Paths
from kg.publish import publish
from kg.remote_store import RemoteStore, endpoints_for
from server import create_app
from server.backend_remote import RemoteBackend
from server.query_exec import pool_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from test_protocol import *  # noqa: E402, F403 - the protocol tests, run here against external stores
from test_sparql_negotiation import *  # noqa: E402, F403 - and content negotiation

TEST_TIMEOUT = 5.0


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def app(request: pytest.FixtureRequest, kg_var: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over the real build, with /sparql answered by a real external store holding that build."""
    server: StoreServer = request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")
    var = tmp_path_factory.mktemp("server-var") / "var"
    shutil.copytree(kg_var, var, symlinks=True)
    target = RemoteStore(endpoints_for(server.kind, server.url), server.user, server.password)
    ours = [r["g"] for r in target.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
            if r["g"].startswith(("https://w3id.org/autoalliance/", "urn:autoalliance:"))]
    if ours:
        target.update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in ours))
    assert publish(Paths(var=var), target, force_all=True).ok
    target.close()
    application = create_app({"VAR_DIR": str(var), "QUERY_TIMEOUT": TEST_TIMEOUT, "TESTING": True,
                              "SPARQL_STORE": server.url, "SPARQL_STORE_KIND": server.kind})
    assert isinstance(pool_for(application), RemoteBackend)
    yield application
    pool_for(application).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
