"""Fixtures for the web application: ``app`` and ``client`` over ``kg_var``, ``corpus_client`` over the frozen
corpus (tests that expect its exact labels, dates or counts), ``make_app`` for other settings,
``live_server`` (a real ``python -m server`` process on a free port) and ``listener`` (a TCP socket that records
every connection it receives)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from server import create_app

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_TIMEOUT = 2.0  # seconds: QUERY_TIMEOUT in these tests


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


def warm(app: Flask) -> None:
    """Wait until ``app``'s query workers have started and loaded the SERVICE check's parser, so that the short
    time limit of the tests does not count a cold start on a busy machine."""
    client = app.test_client()
    deadline = time.monotonic() + 120
    for query in ("ASK { FILTER(1 = 1) }", 'ASK { FILTER("service" != "") }'):
        while client.get("/sparql", query_string={"query": query}).status_code != 200:
            if time.monotonic() > deadline:
                raise RuntimeError("the query workers did not start")
            time.sleep(0.5)


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(var: Path, *, threads: int = 6, timeout: float = TEST_TIMEOUT, **settings: Any) -> Iterator[str]:
    """Run ``autoalliance serve --no-build`` (through ``python -m server``) over ``var`` on a free port, with
    further app settings as ``AUTOALLIANCE_*`` environment variables; yield its base URL, stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
        "--query-timeout", str(timeout), "--var", str(var), "--threads", str(threads),
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    env.update({f"AUTOALLIANCE_{name}": json.dumps(value) for name, value in settings.items()})
    log = tempfile.TemporaryFile()  # a pipe nobody reads would block the server once full
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                log.seek(0)
                raise RuntimeError(f"server exited: {log.read().decode(errors='replace')}")
            try:
                with urllib.request.urlopen(base + "/sparql?query=ASK%7B%7D", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture
def start_server() -> Callable[..., Any]:
    """``with start_server(var, timeout=5, QUERY_WORKERS=2) as base_url:`` runs a server of its own."""
    return running_server


@pytest.fixture(scope="session")
def live_server(kg_var: Path) -> Iterator[str]:
    """Base URL of ``python -m server`` running in its own process over ``kg_var``; stopped after the session."""
    with running_server(kg_var) as base:
        yield base


@dataclass
class Listener:
    """A TCP socket on 127.0.0.1 that accepts and records connections (to prove none was made)."""

    port: int
    connections: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    recorder = Listener(server.getsockname()[1])
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with connection:
                connection.settimeout(1)
                try:
                    recorder.connections.append(connection.recv(4096))
                except OSError:
                    recorder.connections.append(b"")

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield recorder
    stop.set()
    thread.join(timeout=5)
    server.close()
