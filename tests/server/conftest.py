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
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
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
        return made[-1]

    yield factory
    for application in made:
        _close(application)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(var: Path, **settings: Any) -> Iterator[str]:
    """Run ``python -m server`` over ``var`` on a free port, with further app settings as ``AUTOALLIANCE_*``
    environment variables; yield its base URL, stop it afterwards."""
    port = free_port()
    command = [
        sys.executable, "-m", "server", "--host", "127.0.0.1", "--port", str(port),
        "--query-timeout", str(TEST_TIMEOUT), "--var", str(var), "--threads", "6",
    ]  # fmt: skip
    env = dict(os.environ, PYTHONPATH=str(PROJECT_ROOT))
    env.update({f"AUTOALLIANCE_{name}": json.dumps(value) for name, value in settings.items()})
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
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
        if process.stderr:
            process.stderr.close()


@pytest.fixture(scope="session")
def live_server(kg_var: Path) -> Iterator[str]:
    """Base URL of ``python -m server`` running in its own process over ``kg_var``; stopped after the session."""
    with running_server(kg_var) as base:
        yield base


@pytest.fixture(scope="session")
def start_server() -> Callable[..., AbstractContextManager[str]]:
    """``running_server`` for tests that need a server with other settings (``start_server(var, NAME=value)``)."""
    return running_server


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
