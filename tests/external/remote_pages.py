"""Fixtures that run the server's page tests (tests/server/test_pages.py, ...) against an app whose pages, VoID,
DCAT, sitemap, search and /sparql all read an external store: Virtuoso, then Oxigraph's server.

A module that star-imports a test module of tests/server and then this one runs every test of it twice more,
once per store: ``app``, ``client``, ``corpus_app``, ``corpus_client`` and ``make_app`` here replace those of
tests/server/conftest.py, and publish the build each app serves into the store first (``store_loading``).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from store_loading import load_build

from bench.stores import StoreServer
from server import create_app
from server.backend_graph import RemoteGraph
from server.store import graph_source

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))

TEST_TIMEOUT = 60.0  # generous: the stores share the machine with everything else


@pytest.fixture(scope="module", params=["virtuoso", "oxigraph"])
def remote(request: pytest.FixtureRequest) -> StoreServer:
    """Each real store in turn (the session's servers of tests/external/conftest.py)."""
    return request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")


def _copy(source: Path, root: Path) -> Path:
    var = root / "var"
    shutil.copytree(source, var, symlinks=True)
    return var


@pytest.fixture(scope="session")
def kg_var_published(kg_var: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``kg_var`` (publishing records its state in the var directory)."""
    return _copy(kg_var, tmp_path_factory.mktemp("kg-published"))


@pytest.fixture(scope="session")
def corpus_var_published(corpus_var: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of ``corpus_var``."""
    return _copy(corpus_var, tmp_path_factory.mktemp("corpus-published"))


def _remote_app(server: StoreServer, var: Path, **settings: Any) -> Flask:
    load_build(server, var)
    config = {
        "VAR_DIR": str(var),
        "QUERY_TIMEOUT": TEST_TIMEOUT,
        "TESTING": True,
        "SPARQL_STORE": server.url,
        "SPARQL_STORE_KIND": server.kind,
        **settings,
    }
    application = create_app(config)
    with application.app_context():
        assert isinstance(graph_source(application), RemoteGraph)
    return application


def _close(application: Flask) -> None:
    state = application.extensions.get("autoalliance", {})
    for key in ("query_pool", "remote_graph"):
        if state.get(key) is not None:
            state[key].close()


@pytest.fixture
def app(remote: StoreServer, kg_var_published: Path) -> Iterator[Flask]:
    """The app over the real build, every read answered by the external store holding it."""
    application = _remote_app(remote, kg_var_published)
    yield application
    _close(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def corpus_app(remote: StoreServer, corpus_var_published: Path) -> Iterator[Flask]:
    """The app over the frozen corpus, read from the external store."""
    application = _remote_app(remote, corpus_var_published)
    yield application
    _close(application)


@pytest.fixture
def corpus_client(corpus_app: Flask) -> FlaskClient:
    return corpus_app.test_client()


@pytest.fixture
def make_app(remote: StoreServer, kg_var_published: Path) -> Iterator[Callable[..., Flask]]:
    """Apps with other settings, each over the external store holding the build of its ``VAR_DIR``."""
    made: list[Flask] = []

    def factory(**settings: Any) -> Flask:
        var = Path(settings.pop("VAR_DIR", kg_var_published))
        made.append(_remote_app(remote, var, **settings))
        return made[-1]

    yield factory
    for application in made:
        _close(application)
