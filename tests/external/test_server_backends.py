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
from store_loading import load_build

from bench.stores import StoreServer
from kg.config import Paths
from kg.store import open_store
from server import create_app
from server.backend_remote import RemoteBackend
from server.query_exec import pool_for

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from test_protocol import *  # noqa: E402, F403 - the protocol tests, run here against external stores
from test_sparql_negotiation import *  # noqa: E402, F403 - and content negotiation

TEST_TIMEOUT = 60.0  # generous: the stores share the machine with everything else


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def app(request: pytest.FixtureRequest, kg_var: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The app over the real build, with /sparql answered by a real external store holding that build."""
    server: StoreServer = request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")
    var = tmp_path_factory.mktemp("server-var") / "var"
    shutil.copytree(kg_var, var, symlinks=True)
    load_build(server, var)
    application = create_app(
        {
            "VAR_DIR": str(var),
            "QUERY_TIMEOUT": TEST_TIMEOUT,
            "TESTING": True,
            "SPARQL_STORE": server.url,
            "SPARQL_STORE_KIND": server.kind,
        }
    )
    assert isinstance(pool_for(application), RemoteBackend)
    yield application
    pool_for(application).close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def test_serve_store_answers_from_the_external_store(app: Flask) -> None:
    """``autoalliance serve --store URL`` as a process: /sparql answers from the store named on the command line."""
    import subprocess
    import time
    import urllib.request

    from bench.stores import free_port

    port = free_port()
    command = [
        str(Path(sys.executable).parent / "autoalliance"),
        "serve",
        "--no-build",
        "--var",
        app.config["VAR_DIR"],
        "--port",
        str(port),
        "--store",
        app.config["SPARQL_STORE"],
        "--store-kind",
        app.config["SPARQL_STORE_KIND"],
        "--query-timeout",
        "10",
    ]
    process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    query = "SELECT%20(COUNT(*)%20AS%20%3Fn)%20WHERE%20%7B%20GRAPH%20%3Fg%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20%7D"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(
                    f"http://127.0.0.1:{port}/sparql?query={query}", headers={"Accept": "text/csv"}
                )
                with urllib.request.urlopen(request, timeout=10) as response:
                    body = response.read()
                break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr
                time.sleep(0.3)
        local = sum(1 for _ in open_store(Paths(var=Path(app.config["VAR_DIR"])).store))
        assert body.split(b"\r\n")[1] == str(local).encode()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stderr:
            process.stderr.close()
