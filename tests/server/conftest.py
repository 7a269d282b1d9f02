"""Fixtures for the web application: ``app`` and ``client`` over ``kg_var``, ``corpus_client`` over the frozen
corpus (tests that expect its exact labels, dates or counts), ``make_app`` for other settings,
``live_server`` (a real ``python -m server`` process on a free port) and ``listener`` (a TCP socket that records
every connection it receives)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from server_support import TEST_TIMEOUT, Listener, listening, running_server, warm

from server import create_app


def _close(app: Flask) -> None:
    pool = app.extensions.get("autoalliance", {}).get("query_pool")
    if pool is not None:
        pool.close()


@pytest.fixture(scope="session")
def app(kg_var: Path) -> Iterator[Flask]:
    """The app over the knowledge graph, with a short time limit; shared by the session (its workers too)."""
    application = create_app({"VAR_DIR": str(kg_var), "QUERY_TIMEOUT": TEST_TIMEOUT, "TESTING": True})
    warm(application)
    yield application
    _close(application)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def corpus_app(corpus_var: Path) -> Iterator[Flask]:
    """The app over the frozen corpus (``tests/data/corpus/``): for tests that expect its exact labels and dates."""
    application = create_app({"VAR_DIR": str(corpus_var), "QUERY_TIMEOUT": TEST_TIMEOUT, "TESTING": True})
    yield application
    _close(application)


@pytest.fixture
def corpus_client(corpus_app: Flask) -> FlaskClient:
    return corpus_app.test_client()


@pytest.fixture
def make_app(kg_var: Path) -> Iterator[Callable[..., Flask]]:
    """A factory of apps with other settings (``make_app(MAX_RESULT_ROWS=5)``); their workers stop afterwards."""
    made: list[Flask] = []

    def factory(**settings: Any) -> Flask:
        config = {"VAR_DIR": str(kg_var), "QUERY_TIMEOUT": TEST_TIMEOUT, "TESTING": True, **settings}
        made.append(create_app(config))
        if "VAR_DIR" not in settings:  # over the real build: start its workers before the test's clock runs
            warm(made[-1])
        return made[-1]

    yield factory
    for application in made:
        _close(application)


@pytest.fixture
def start_server() -> Callable[..., Any]:
    """``with start_server(var, timeout=5, QUERY_WORKERS=2) as base_url:`` runs a server of its own."""
    return running_server


@pytest.fixture(scope="session")
def live_server(kg_var: Path) -> Iterator[str]:
    """Base URL of ``python -m server`` running in its own process over ``kg_var``; stopped after the session."""
    with running_server(kg_var) as base:
        yield base


@pytest.fixture
def listener() -> Iterator[Listener]:
    with listening() as recorder:
        yield recorder
