"""The tests of the site pages (networks, timelines, hubs, exports) (tests/server/test_site_pages.py), run again by
apps that read everything from an external store: Virtuoso, then Oxigraph's server, each holding the build the app
serves (fixtures: remote_pages.py)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from flask import Flask
from store_loading import load_build

from bench.stores import StoreServer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from pages_support import make_var  # noqa: E402
from remote_pages import *  # noqa: E402, F403 - over an external store
from test_site_pages import *  # noqa: E402, F403 - the same tests

from tests.pages_data import NETWORK  # noqa: E402

HTML = {"Accept": "text/html"}


def test_validators_change_with_the_build(  # noqa: F811 - over an external store, a build shows once published
    tmp_path: Path, make_app: Callable[..., Flask], remote: StoreServer
) -> None:
    var = make_var(tmp_path, NETWORK.read_text(encoding="utf-8"))
    client = make_app(VAR_DIR=str(var)).test_client()
    before = client.get("/id/firm/alpha", headers=HTML).headers["ETag"]
    make_var(tmp_path, NETWORK.read_text(encoding="utf-8").replace("Alpha Motors", "Alpha Motor Works"))
    load_build(remote, var)
    response = client.get("/id/firm/alpha", headers={**HTML, "If-None-Match": before})
    assert response.status_code == 200 and "Alpha Motor Works" in response.text
    assert response.headers["ETag"] != before
