"""The tests of browsing and search (tests/server/test_browse_search.py), run again by apps that read everything from
an external store: Virtuoso, then Oxigraph's server, each holding the build the app serves (fixtures:
remote_pages.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from remote_pages import *  # noqa: E402, F403 - over an external store
from test_browse_search import *  # noqa: E402, F403 - the same tests
