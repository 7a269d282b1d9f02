"""kg.build, kg.store and kg.dumps: the whole pipeline on the fixture corpus."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from shapes_support import ontology_with_required

from kg.build import build, needs_build
from kg.config import PROJECT_ROOT, Paths
from kg.dumps import DUMP_NAMES
from kg.errors import AnnotationErrors, ValidationFailed
from kg.store import open_store

DATA = Path(__file__).parent / "data"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    shutil.copytree(DATA / "valid", tmp_path / "seeds")
    return Paths(seeds=tmp_path / "seeds", ontology=PROJECT_ROOT / "ontology", var=tmp_path / "var")


def store_triples(paths: Paths) -> set[str]:
    store = open_store(paths.store)
    triples = store.query("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    return {str(t) for t in triples}


def test_build_writes_store_dumps_and_manifest(paths: Paths) -> None:
    manifest = build(paths)
    assert sorted(p.name for p in paths.dumps.iterdir()) == sorted([*DUMP_NAMES, "SHA256SUMS"])
    assert manifest["quads"] > 100
    graphs = manifest["graphs"]
    assert set(graphs) >= {
        "https://w3id.org/autoalliance/graph/registry",
        "https://w3id.org/autoalliance/graph/ontology",
        "https://w3id.org/autoalliance/graph/inferred",
        "https://w3id.org/autoalliance/graph/doc/doc1",
    }
    ask = open_store(paths.store).query(
        "ASK { GRAPH <https://w3id.org/autoalliance/graph/inferred> { "
        "<https://w3id.org/autoalliance/id/firm/alpha-motors> "
        "<https://w3id.org/autoalliance/ontology#partnerOf> <https://w3id.org/autoalliance/id/firm/beta-cells> } }"
    )
    assert bool(ask)
    assert not needs_build(paths)


def test_two_builds_give_byte_identical_dumps(paths: Paths, tmp_path: Path) -> None:
    build(paths)
    first = {name: (paths.dumps / name).read_bytes() for name in (*DUMP_NAMES, "SHA256SUMS")}
    other = Paths(seeds=paths.seeds, ontology=paths.ontology, var=tmp_path / "var2")
    # The second build runs in another process with another hash seed: no set or dict order may leak out.
    subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            "build",
            "-q",
            "--seeds",
            str(other.seeds),
            "--ontology",
            str(other.ontology),
            "--var",
            str(other.var),
        ],
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    for name, content in first.items():
        assert (other.dumps / name).read_bytes() == content, name


def test_sha256sums_match_the_files(paths: Paths) -> None:
    import hashlib

    build(paths)
    for line in (paths.dumps / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((paths.dumps / name).read_bytes()).hexdigest() == digest


def _via_pyoxigraph(data: bytes, fmt: ox.RdfFormat) -> Graph:
    g = Graph()
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(data, format=fmt)]
    g.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return g


@pytest.mark.parametrize(
    "name,rdflib_format,ox_format",
    [
        ("autoalliance.ttl", "turtle", ox.RdfFormat.TURTLE),
        ("autoalliance.trig", "trig", ox.RdfFormat.TRIG),
        ("autoalliance.nt.gz", "nt", ox.RdfFormat.N_TRIPLES),
        ("autoalliance.jsonld", "json-ld", ox.RdfFormat.JSON_LD),
    ],
)
def test_each_dump_reparses_to_the_same_triples(
    paths: Paths, name: str, rdflib_format: str, ox_format: ox.RdfFormat
) -> None:
    build(paths)
    data = (paths.dumps / name).read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    if rdflib_format == "trig":
        ds = Dataset()
        ds.parse(data=data, format="trig")
        with_rdflib = Graph()
        for s, p, o, _ in ds.quads((None, None, None, None)):
            with_rdflib.add((s, p, o))
    else:
        with_rdflib = Graph().parse(data=data, format=rdflib_format)
    with_oxigraph = _via_pyoxigraph(data, ox_format)
    in_store = _via_pyoxigraph("\n".join(f"{t} ." for t in store_triples(paths)).encode(), ox.RdfFormat.N_TRIPLES)
    assert len(with_rdflib) == len(in_store) > 100
    assert isomorphic(with_rdflib, with_oxigraph)
    assert isomorphic(with_rdflib, in_store)


def test_trig_dump_keeps_the_named_graphs(paths: Paths) -> None:
    build(paths)
    ds = Dataset()
    ds.parse(paths.dumps / "autoalliance.trig", format="trig")
    names = {str(c.identifier) for c in ds.contexts() if len(c)}
    assert "https://w3id.org/autoalliance/graph/doc/doc1" in names
    assert "https://w3id.org/autoalliance/graph/inferred" in names


def test_failed_build_leaves_the_last_good_store_and_dumps(paths: Paths) -> None:
    build(paths)
    sums = (paths.dumps / "SHA256SUMS").read_bytes()
    before = store_triples(paths)
    annotations = paths.seeds / "annotations/doc1.yaml"
    annotations.write_text(annotations.read_text().replace("from 2014", "from 2099"))
    with pytest.raises(AnnotationErrors):
        build(paths)
    assert (paths.dumps / "SHA256SUMS").read_bytes() == sums
    assert store_triples(paths) == before
    assert needs_build(paths)


def test_shacl_violation_stops_the_build(paths: Paths, tmp_path: Path) -> None:
    ontology = ontology_with_required(
        tmp_path,
        "https://w3id.org/autoalliance/ontology#Firm",
        "https://w3id.org/autoalliance/ontology#countryCode",
        "a firm needs its country",
    )
    registry = paths.seeds / "registry/registry.yaml"
    registry.write_text(registry.read_text().replace("    country: FR\n", ""))
    broken = Paths(seeds=paths.seeds, ontology=ontology, var=paths.var)
    with pytest.raises(ValidationFailed) as info:
        build(broken)
    text = "\n".join(info.value.lines)
    assert "Gamma Cars" in text and "a firm needs its country" in text and "aa:countryCode" in text
    assert not paths.store.exists()


def test_a_document_violation_stops_every_build_until_fixed(paths: Paths, tmp_path: Path) -> None:
    """The second build finds the document's findings in the last build's memo, not by running the shapes."""
    ontology = ontology_with_required(
        tmp_path,
        "https://w3id.org/autoalliance/ontology#Deal",
        "https://w3id.org/autoalliance/ontology#exclusive",
        "a deal needs to say whether it is exclusive",
    )
    broken = Paths(seeds=paths.seeds, ontology=ontology, var=paths.var)
    reports = []
    for _ in range(2):
        with pytest.raises(ValidationFailed) as info:
            build(broken)
        reports.append(info.value.lines)
    assert reports[0] == reports[1] and "a deal needs to say whether it is exclusive" in "\n".join(reports[0])
    assert not paths.store.exists()


def test_build_layout_current_link_and_previous_build_kept(paths: Paths) -> None:
    first = build(paths)
    assert paths.current.is_symlink()
    assert paths.current.resolve() == (paths.builds / str(first["id"])).resolve()
    assert json.loads(paths.manifest.read_text())["id"] == first["id"]
    for name in ("store", "dumps", "build.json"):  # the links of the layout before var/builds follow current
        assert (paths.var / name).resolve() == (paths.current / name).resolve()
    annotations = paths.seeds / "annotations/doc1.yaml"
    annotations.write_text(annotations.read_text() + "\n# edited\n")
    second = build(paths)
    third = build(paths)
    assert len({first["id"], second["id"], third["id"]}) == 3
    kept = sorted(p.name for p in paths.builds.iterdir())
    assert kept == sorted([str(second["id"]), str(third["id"])])  # the new build and the previous one


def test_second_build_is_refused_while_one_runs(paths: Paths) -> None:
    from kg.lock import BuildLocked, build_lock

    with build_lock(paths.lock):
        with pytest.raises(BuildLocked, match="another build is running"):
            build(paths)
        proc = subprocess.run(
            [sys.executable, "-m", "kg.cli", "build", "-q", "--seeds", str(paths.seeds), "--var", str(paths.var)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 2
        assert "another build is running (pid" in proc.stderr
    assert not paths.current.exists()
    build(paths)  # the lock went with its holder
    assert not needs_build(paths)


def test_a_store_that_cannot_be_opened_needs_a_build(paths: Paths) -> None:
    build(paths)
    assert not needs_build(paths)
    for f in paths.store.iterdir():
        if f.name.startswith("OPTIONS") or f.suffix == ".sst" or f.name == "CURRENT":
            f.write_bytes(b"garbage")
    assert needs_build(paths)


def test_a_build_without_the_outputs_pages_read_needs_a_build(paths: Paths) -> None:
    """A build of an earlier version, without texts/ and ontology/, is rebuilt by `serve` and `build --if-needed`,
    so document pages and /ontology never go missing after an upgrade."""
    build(paths)
    assert not needs_build(paths)
    shutil.rmtree(paths.texts)
    assert needs_build(paths)
    build(paths)
    shutil.rmtree(paths.published_ontology)
    assert needs_build(paths)


# Exit codes: 0 conforms, 1 does not conform, 2 could not run ---------------------------------------------------


def _cli(paths: Paths, command: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "kg.cli",
            command,
            "-q",
            "--seeds",
            str(paths.seeds),
            "--ontology",
            str(paths.ontology),
            "--var",
            str(paths.var),
        ],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )


@pytest.mark.parametrize("command", ["validate", "build"])
def test_a_missing_shapes_file_exits_2(paths: Paths, tmp_path: Path, command: str) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(paths.ontology, ontology)
    (ontology / "shapes.ttl").unlink()
    result = _cli(Paths(seeds=paths.seeds, ontology=ontology, var=paths.var), command)
    assert result.returncode == 2, result.stderr
    assert "could not run" in result.stderr and "shapes.ttl" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_broken_shapes_file_exits_2(paths: Paths, tmp_path: Path) -> None:
    ontology = tmp_path / "ontology"
    shutil.copytree(paths.ontology, ontology)
    (ontology / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    result = _cli(Paths(seeds=paths.seeds, ontology=ontology, var=paths.var), "validate")
    assert result.returncode == 2, result.stderr
    assert "could not run" in result.stderr


@pytest.mark.parametrize("command", ["validate", "build"])
def test_no_java_exits_2_and_never_says_inconsistent(paths: Paths, tmp_path: Path, command: str) -> None:
    bin_dir = tmp_path / "bin"  # a PATH with the tools a build may call, but no java
    bin_dir.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "JAVA_HOME"}
    env["PATH"] = str(bin_dir)
    result = _cli(paths, command, env)
    assert result.returncode == 2, result.stderr
    assert "HermiT needs Java" in result.stderr
    assert "inconsistent" not in result.stderr
    assert not paths.current.exists()


def test_conforming_data_exit_0(paths: Paths) -> None:
    result = _cli(paths, "validate")
    assert result.returncode == 0, result.stderr
