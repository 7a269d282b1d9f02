"""Helpers of the server tests: a real server process on a free port, a loopback listener that records every
connection, and warming an app's query workers before a test's clock runs."""

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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_TIMEOUT = 2.0  # seconds: QUERY_TIMEOUT in these tests


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


@dataclass
class Listener:
    """A TCP socket on 127.0.0.1 that accepts and records connections (to prove none was made)."""

    port: int
    connections: list[bytes] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/sparql"


@contextmanager
def listening() -> Iterator[Listener]:
    """A :class:`Listener` accepting in a thread until the block ends."""
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
    try:
        yield recorder
    finally:
        stop.set()
        thread.join(timeout=5)
        server.close()
