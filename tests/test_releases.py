"""kg.releases: numbered releases with checksums, a changelog from content digests, and the last N kept."""

from __future__ import annotations

import json
from pathlib import Path

from kg.exports import write_exports
from kg.releases import read_index, record_release
from kg.sitedata import CONTENT, write_site_data
from tests.pages_data import NETWORK, network_store

DEAL = "https://w3id.org/autoalliance/id/deal/"


def build_like(root: Path, trig: str) -> tuple[Path, dict[str, str], Path, dict[str, str], Path]:
    """A build's dumps (one file standing for them), exports and site data for ``trig``."""
    store = network_store(root, trig)
    write_site_data(store, root / "site")
    sums = write_exports(store, root / "exports")
    (root / "dumps").mkdir()
    (root / "dumps" / "autoalliance.trig").write_text(trig, encoding="utf-8")
    import hashlib

    dump_sums = {"autoalliance.trig": hashlib.sha256(trig.encode("utf-8")).hexdigest()}
    return root / "dumps", dump_sums, root / "exports", sums, root / "site" / CONTENT


def release(tmp_path: Path, name: str, trig: str, keep: int = 5) -> dict | None:
    dumps, dump_sums, exports, export_sums, content = build_like(tmp_path / name, trig)
    return record_release(tmp_path / "releases", name, dumps, dump_sums, exports, export_sums, content, keep=keep)


def test_first_release_adds_everything_and_keeps_files(tmp_path: Path) -> None:
    entry = release(tmp_path, "b1", NETWORK.read_text(encoding="utf-8"))
    assert entry is not None and entry["number"] == 1 and entry["build"] == "b1"
    assert entry["changelog"]["deal"]["added"]["count"] == 4
    assert entry["changelog"]["firm"]["added"]["count"] == 4 and entry["changelog"]["quote"]["added"]["count"] == 1
    kept = tmp_path / "releases" / "1"
    assert (kept / "dumps" / "autoalliance.trig").is_file() and (kept / "exports" / "deals.csv").is_file()
    assert read_index(tmp_path / "releases") == [entry]


def test_unchanged_content_makes_no_release(tmp_path: Path) -> None:
    text = NETWORK.read_text(encoding="utf-8")
    release(tmp_path, "b1", text)
    assert release(tmp_path, "b2", text) is None
    assert len(read_index(tmp_path / "releases")) == 1


def test_changelog_names_added_changed_and_removed(tmp_path: Path) -> None:
    text = NETWORK.read_text(encoding="utf-8")
    release(tmp_path, "b1", text)
    edited = text.replace('rdfs:label "Beta supplies Gamma"', 'rdfs:label "Beta supplies cells to Gamma"').replace(
        'deal:ag-talks a aa:Cooperation ; rdfs:label "Alpha–Gamma talks" ; aa:party firm:alpha, '
        "firm:gamma ;\n    aa:status aa:InTalks .",
        'deal:gd a aa:Cooperation ; rdfs:label "Gamma–Delta" ; aa:party firm:gamma, firm:delta .',
    )
    assert edited.count("Gamma–Delta") == 1
    entry = release(tmp_path, "b2", edited)
    assert entry is not None and entry["number"] == 2
    deals = json.loads((tmp_path / "releases" / "2" / "changelog.json").read_text(encoding="utf-8"))["deal"]
    assert deals == {"added": [DEAL + "gd"], "changed": [DEAL + "bg-2015"], "removed": [DEAL + "ag-talks"]}
    assert entry["changelog"]["deal"]["changed"] == {"count": 1, "first": [DEAL + "bg-2015"]}


def test_only_the_last_releases_keep_their_files(tmp_path: Path) -> None:
    text = NETWORK.read_text(encoding="utf-8")
    for i in range(4):
        release(tmp_path, f"b{i}", text.replace("Alpha Motors", f"Alpha Motors {i}"), keep=2)
    entries = read_index(tmp_path / "releases")
    assert [e["number"] for e in entries] == [1, 2, 3, 4]
    assert [e["available"] for e in entries] == [False, False, True, True]
    assert not (tmp_path / "releases" / "1" / "dumps").exists()
    assert (tmp_path / "releases" / "4" / "dumps" / "autoalliance.trig").is_file()
    assert all(e["dumps"] for e in entries), "the checksums of every release stay listed"


def test_every_build_of_the_seeds_is_recorded(kg_var: Path) -> None:
    (entry,) = read_index(kg_var / "releases")
    manifest = json.loads((kg_var / "build.json").read_text(encoding="utf-8"))
    assert entry["dumps"] == manifest["dumps"] and entry["exports"] == manifest["exports"]
    assert entry["build"] == manifest["id"]
