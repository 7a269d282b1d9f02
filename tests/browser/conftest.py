"""Browser fixtures: the app served on a free local port from a thread, and headless Chromium (Debian's
``/usr/bin/chromium``) driven by Playwright. Every test here is marked ``browser``; a missing
Chromium is a failure (``make test`` installs it), never a silent skip."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from server import create_app

CHROMIUM = os.environ.get("AUTOALLIANCE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXAMPLE = """# Firms and their labels
SELECT ?firm ?label WHERE { ?firm a aa:Firm ; rdfs:label ?label } ORDER BY ?label
"""


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


class LiveServer:
    """The app over ``var`` served by werkzeug in a thread on 127.0.0.1."""

    def __init__(self, **config: Any) -> None:
        self.app = create_app({"TESTING": True, **config})
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join(timeout=10)
        self.server.server_close()
        pool = self.app.extensions.get("autoalliance", {}).get("query_pool")
        if pool is not None:
            pool.close()


@pytest.fixture(scope="session")
def examples_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("examples")
    (directory / "01-firms.rq").write_text(EXAMPLE, encoding="utf-8")
    return directory


@pytest.fixture(scope="session")
def site(kg_var: Path, examples_dir: Path) -> Iterator[str]:
    """Base URL of the app over the knowledge graph."""
    live = LiveServer(VAR_DIR=str(kg_var), EXAMPLE_QUERIES_DIR=str(examples_dir))
    yield live.url
    live.stop()


@pytest.fixture(scope="session")
def corpus_site(corpus_var: Path) -> Iterator[str]:
    """Base URL of the app over the frozen corpus (for tests that expect its exact names)."""
    live = LiveServer(VAR_DIR=str(corpus_var))
    yield live.url
    live.stop()


@pytest.fixture(scope="session")
def sample_site(sample_var: Path) -> Iterator[str]:
    """Base URL of the app over the sample dataset (which has a firm whose label holds markup)."""
    live = LiveServer(VAR_DIR=str(sample_var))
    yield live.url
    live.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright import sync_api

    if not shutil.which(CHROMIUM) and not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: install Debian's chromium (make test does)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    """A fresh page that records requests to any host but 127.0.0.1 in ``page.external_requests``."""
    context = browser.new_context()
    new_page = context.new_page()
    external: list[str] = []
    new_page.on(
        "request",
        lambda r: (
            external.append(r.url) if not r.url.startswith(("http://127.0.0.1", "data:", "blob:", "about:")) else None
        ),
    )
    new_page.external_requests = external
    yield new_page
    context.close()
