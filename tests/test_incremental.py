"""Incremental builds: after edits, additions and removals, the store, the dumps, the site data and the exports
equal a clean build's."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from bench.build_scaling import add_one, edit_one
from bench.generate import generate
from kg.build import build, needs_build
from kg.config import PROJECT_ROOT, Paths
from kg.dumps import DUMP_NAMES
from kg.exports import EXPORTS
from kg.sitedata import CONTENT, INDEX, SUMMARY, load_records
from kg.store import open_store


def store_nquads(paths: Paths) -> list[str]:
    store = open_store(paths.store)
    return sorted(str(q) for q in store.quads_for_pattern(None, None, None, None))


def index_rows(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    try:
        tables = ("resource", "partner", "deal_party", "link")
        found = {t: sorted(db.execute(f"SELECT * FROM {t}")) for t in tables}  # noqa: S608 - fixed names
        found["search"] = sorted(db.execute("SELECT name, iri FROM search"))
        return found
    finally:
        db.close()


def outputs(paths: Paths) -> dict[str, object]:
    manifest = json.loads(paths.manifest.read_text())
    return {
        "site": {n: (paths.site / n).read_bytes() for n in (CONTENT, SUMMARY)},
        "index": index_rows(paths.site / INDEX),
        "records": load_records(paths.site),
        "exports": {n: (paths.exports / n).read_bytes() for n in EXPORTS},
        "export_sums": manifest["exports"],
        "store": store_nquads(paths),
        "dumps": {n: (paths.dumps / n).read_bytes() for n in DUMP_NAMES},
        "sums": (paths.dumps / "SHA256SUMS").read_bytes(),
        "graph_digests": manifest["graph_digests"],
        "graphs": manifest["graphs"],
        "quads": manifest["quads"],
    }


def clean_build(seeds: Path, tmp: Path) -> dict[str, object]:
    var = tmp / "clean"
    if var.exists():
        shutil.rmtree(var)
    paths = Paths(seeds=seeds, ontology=PROJECT_ROOT / "ontology", var=var)
    build(paths)
    return outputs(paths)


def assert_same(incremental: dict[str, object], clean: dict[str, object]) -> None:
    assert incremental["store"] == clean["store"]
    for name in DUMP_NAMES:
        assert incremental["dumps"][name] == clean["dumps"][name], name  # type: ignore[index]
    assert incremental["sums"] == clean["sums"]
    assert incremental["graph_digests"] == clean["graph_digests"]
    assert incremental["graphs"] == clean["graphs"]
    assert incremental["records"] is not None
    for key in ("site", "index", "records", "exports", "export_sums"):
        assert incremental[key] == clean[key], key


def uncited_document(seeds: Path) -> str:
    """The id of a document whose deals, alliances and investigations no other document names."""
    texts = {p.stem: p.read_text() for p in (seeds / "annotations").glob("*.yaml")}
    for stem in sorted(texts, reverse=True):
        ids = [line.split("id: ", 1)[1].strip() for line in texts[stem].splitlines() if line.startswith("  - id: ")]
        if not any(i in other for i in ids for s, other in texts.items() if s != stem):
            return stem
    raise AssertionError("every document is cited")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("incremental")
    generate(root / "seeds", 12, seed=3)
    return root / "seeds"


def test_edit_add_remove_and_registry_change_equal_a_clean_build(corpus: Path, tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(corpus, seeds)
    paths = Paths(seeds=seeds, ontology=PROJECT_ROOT / "ontology", var=tmp_path / "var")
    first = build(paths)
    assert first["documents"] == 12
    assert not needs_build(paths)

    edited = edit_one(seeds)
    steps: list[str] = []
    second = build(paths, steps.append)
    assert any(s.startswith("writing the site data and the exports (updated for ") for s in steps), steps
    assert second["graph_digests"] != first["graph_digests"]
    assert_same(outputs(paths), clean_build(seeds, tmp_path))

    add_one(seeds)
    third = build(paths)
    assert third["documents"] == 13
    assert "https://w3id.org/autoalliance/graph/doc/zz_added_document" in third["graphs"]
    assert_same(outputs(paths), clean_build(seeds, tmp_path))

    gone = uncited_document(seeds)
    assert gone != edited.stem
    (seeds / "annotations" / f"{gone}.yaml").unlink()
    (seeds / "documents" / f"{gone}.txt").unlink()
    fourth = build(paths)
    assert f"https://w3id.org/autoalliance/graph/doc/{gone}" not in fourth["graphs"]
    assert_same(outputs(paths), clean_build(seeds, tmp_path))

    firms = seeds / "registry" / "firms.yaml"
    firms.write_text(firms.read_text().replace('label: "', 'label: "The ', 1))
    build(paths)
    assert_same(outputs(paths), clean_build(seeds, tmp_path))
    assert len(list(paths.builds.iterdir())) == 2  # the current build and the one before


def test_an_unchanged_corpus_reuses_every_document(corpus: Path, tmp_path: Path) -> None:
    paths = Paths(seeds=corpus, ontology=PROJECT_ROOT / "ontology", var=tmp_path / "var")
    build(paths)
    steps: list[str] = []
    build(paths, steps.append)
    assert any(s.startswith("updating the Oxigraph store (0 graph(s) changed, 0 removed)") for s in steps)


def test_reading_a_document_renders_its_parts_of_the_dumps(corpus: Path, tmp_path: Path) -> None:
    """The dumps stage of a clean build only concatenates: each document's parts are rendered when it is read."""
    from kg.build import check_inputs
    from kg.cache import Cache
    from kg.dumps import graph_parts

    paths = Paths(seeds=corpus, ontology=PROJECT_ROOT / "ontology", var=tmp_path / "var")
    checked = check_inputs(paths)
    assert checked.documents
    parts = Cache(paths.cache, "dumps")
    for summary in checked.documents:
        assert parts.path(summary["graph"], ".parts").exists(), summary["id"]
        cached = graph_parts(parts, b"", summary["graph"])  # the key is known: read back, nothing rendered
        assert cached == graph_parts(None, checked.document_nquads(summary))
