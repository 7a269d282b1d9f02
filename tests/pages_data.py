"""The small graph of ``tests/data/pages/network.trig`` in a store, for the site data, export and release tests."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.store import write_store

NETWORK = Path(__file__).parent / "data" / "pages" / "network.trig"
FIRM = "https://w3id.org/autoalliance/id/firm/"
DEAL = "https://w3id.org/autoalliance/id/deal/"


def network_store(root: Path, trig: str | None = None) -> ox.Store:
    """A read-only store under ``root/store`` holding ``trig`` (default: the network fixture)."""
    data = (trig if trig is not None else NETWORK.read_text(encoding="utf-8")).encode("utf-8")
    write_store(ox.parse(data, format=ox.RdfFormat.TRIG), root / "store")
    return ox.Store.read_only(str(root / "store"))
