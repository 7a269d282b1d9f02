"""Real SPARQL servers for the external-store tests: Virtuoso and Oxigraph's server, each started once per test
session on loopback with a temporary database and configuration, and stopped afterwards.

``store_server`` is parametrized over both, so a test written once runs against each.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bench.stores import StoreServer, start_oxigraph, start_virtuoso


def _start(kind: str, tmp_path_factory: pytest.TempPathFactory) -> StoreServer:
    workdir = tmp_path_factory.mktemp(kind)
    try:
        return start_virtuoso(workdir) if kind == "virtuoso" else start_oxigraph(workdir, timeout_s=20)
    except FileNotFoundError as exc:  # a missing server is a broken set-up, never a skipped test
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    """Virtuoso Open Source (``virtuoso-t``) on loopback, with a ``publisher`` account allowed to write."""
    server = _start("virtuoso", tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def oxigraph_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StoreServer]:
    """Oxigraph's own server (``oxigraph serve``) on loopback."""
    server = _start("oxigraph", tmp_path_factory)
    yield server
    server.stop()


@pytest.fixture(params=["virtuoso", "oxigraph"])
def store_server(request: pytest.FixtureRequest) -> StoreServer:
    """Each real store in turn."""
    return request.getfixturevalue("virtuoso" if request.param == "virtuoso" else "oxigraph_server")
