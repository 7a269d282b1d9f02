"""The autoalliance command: exit codes (0 ok, 1 does not conform, 2 cannot run), outputs, --help."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from shapes_support import ontology_with_required

from kg.cli import main
from kg.config import PROJECT_ROOT

DATA = Path(__file__).parent / "data"


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    shutil.copytree(DATA / "valid", tmp_path / "seeds")
    return [
        "--seeds",
        str(tmp_path / "seeds"),
        "--ontology",
        str(PROJECT_ROOT / "ontology"),
        "--var",
        str(tmp_path / "var"),
    ]


@pytest.mark.parametrize("command", ["build", "validate", "query", "stats", "serve"])
def test_help(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output and "--var" in result.output


def test_validate_conforming_exits_0_and_writes_nothing(dirs: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "-q", *dirs])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output
    assert not (tmp_path / "var").exists()


def test_bad_annotations_exit_2_with_locations(dirs: list[str], tmp_path: Path) -> None:
    path = tmp_path / "seeds/annotations/doc1.yaml"
    path.write_text(path.read_text().replace("status: InTalks", "status: Negotiating"))
    for command in ("validate", "build"):
        result = CliRunner().invoke(main, [command, "-q", *dirs])
        assert result.exit_code == 2
        assert "annotations/doc1.yaml:38:13: unknown status 'Negotiating'" in result.output
    assert not (tmp_path / "var/store").exists()


def test_build_query_and_stats(dirs: list[str]) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "-q", *dirs]).exit_code == 0
    q = (
        "PREFIX aa: <https://w3id.org/autoalliance/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?label WHERE { ?d aa:status aa:Signed ; rdfs:label ?label } ORDER BY ?label"
    )
    result = runner.invoke(main, ["query", q, "--format", "json", *dirs])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"label": "Alpha engines for Gamma Cars"},
        {"label": "Alpha–Beta battery cell research agreement (March 2012)"},
    ]
    result = runner.invoke(main, ["query", q, "--format", "csv", *dirs])
    assert list(csv.reader(io.StringIO(result.stdout)))[0] == ["label"]
    result = runner.invoke(main, ["query", q, *dirs])
    assert "Alpha engines for Gamma Cars" in result.stdout
    result = runner.invoke(main, ["stats", "--format", "json", *dirs])
    counts = json.loads(result.stdout)
    assert counts["class"]["https://w3id.org/autoalliance/ontology#Firm"] == 3
    assert counts["graph"]["https://w3id.org/autoalliance/graph/doc/doc1"] > 0


def test_query_from_file_and_syntax_error(dirs: list[str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "-q", *dirs]).exit_code == 0
    rq = tmp_path / "q.rq"
    rq.write_text("ASK { ?s ?p ?o }")
    result = runner.invoke(main, ["query", "--file", str(rq), *dirs])
    assert result.exit_code == 0 and result.stdout.strip() == "true"
    result = runner.invoke(main, ["query", "SELECT WHERE {", *dirs])
    assert result.exit_code == 2 and "syntax error" in result.output


def test_query_without_store_exits_2(dirs: list[str]) -> None:
    result = CliRunner().invoke(main, ["query", "ASK {}", *dirs])
    assert result.exit_code == 2
    assert "autoalliance build" in result.output


def test_query_names_undeclared_prefixes(dirs: list[str]) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["build", "-q", *dirs]).exit_code == 0
    result = runner.invoke(main, ["query", "SELECT ?s WHERE { ?s zz:type ?o }", *dirs])
    assert result.exit_code == 2
    assert "undeclared prefix zz:" in result.output
    assert len(result.output.strip().splitlines()) == 1  # one short line, not the parser's character ranges
    predeclared = runner.invoke(main, ["query", "SELECT ?s WHERE { ?s rdf:type aa:Firm } LIMIT 1", *dirs])
    assert predeclared.exit_code == 0, predeclared.output
    assert "firm" in predeclared.output


def test_shacl_violation_exits_1_naming_the_node(dirs: list[str], tmp_path: Path) -> None:
    ontology = ontology_with_required(
        tmp_path,
        "https://w3id.org/autoalliance/ontology#Person",
        "https://schema.org/email",
        "a person needs an e-mail address",
    )
    args = [*dirs[:2], "--ontology", str(ontology), *dirs[4:]]
    for command in ("validate", "build"):
        result = CliRunner().invoke(main, [command, "-q", *args])
        assert result.exit_code == 1, result.output
        assert 'person:ann-example ("Ann Example"): schema:email: a person needs an e-mail address' in result.output
    assert not (tmp_path / "var" / "current").exists()  # no build: only the lock and the per-document cache


# --- one annotation file: autoalliance validate FILE -----------------------------------------------------------


@pytest.fixture
def corpus_seeds(tmp_path: Path) -> Path:
    """A copy of the frozen corpus: three documents, their annotations and the registry."""
    shutil.copytree(DATA / "corpus", tmp_path / "seeds")
    return tmp_path / "seeds"


def validate_file(path: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["validate", str(path), *args])


@pytest.mark.parametrize("built", [False, True], ids=["no-build", "after-build"])
def test_validate_one_file(corpus_seeds: Path, tmp_path: Path, built: bool) -> None:
    var = ["--var", str(tmp_path / "var")]
    if built:
        assert CliRunner().invoke(main, ["build", "-q", "--seeds", str(corpus_seeds), *var]).exit_code == 0
    for path in sorted((corpus_seeds / "annotations").glob("*.yaml")):  # 000 cites deals defined in 001 and 002
        result = validate_file(path, *var)
        assert result.exit_code == 0, result.output
        assert f"conforms: {path}" in result.output
        assert ("last build" if built else "no build yet") in result.output


def test_validate_one_file_reports_where(corpus_seeds: Path, tmp_path: Path) -> None:
    path = corpus_seeds / "annotations" / "000_c6643370935e1eee.yaml"
    text = path.read_text(encoding="utf-8")
    broken = text.replace("parties: [bmw, general-motors]", "parties: [bmw, gm]", 1)
    broken = broken.replace("- quote: Earlier this month, BMW confirmed", "- quote: Earlier this month, BMW said", 1)
    assert broken.count("gm]") == 1 and "BMW said" in broken
    path.write_text(broken, encoding="utf-8")
    result = validate_file(path, "--var", str(tmp_path / "var"))
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("seeds/annotations/000")]
    assert any("unknown firm 'gm'" in line for line in lines)
    assert any("quote not found in the document" in line for line in lines)
    assert all(len(line.split(":")) >= 4 for line in lines)  # path:line:col: message


def test_validate_one_file_sees_the_rest_of_the_corpus(corpus_seeds: Path, tmp_path: Path) -> None:
    var = ["--var", str(tmp_path / "var")]
    assert CliRunner().invoke(main, ["build", "-q", "--seeds", str(corpus_seeds), *var]).exit_code == 0
    path = corpus_seeds / "annotations" / "000_c6643370935e1eee.yaml"
    text = path.read_text(encoding="utf-8")
    # a deal another document defines may not be defined again, in the store or in the files
    path.write_text(
        text.replace("- id: bmw-gm-fuel-cell-cooperation", "- id: bmw-toyota-2012-mou", 1), encoding="utf-8"
    )
    for args in (var, ["--var", str(tmp_path / "no-build")]):
        result = validate_file(path, *args)
        assert result.exit_code == 2
        assert "deal 'bmw-toyota-2012-mou' is already defined in document 001" in result.output
    # a firm added to the registry after the build is found in its (changed) registry file
    path.write_text(
        text.replace("parties: [bmw, general-motors]", "parties: [bmw, nordwerk-batteries]", 1), encoding="utf-8"
    )
    assert validate_file(path, *var).exit_code == 2
    shutil.copy2(DATA / "extra" / "registry" / "900_invented_nordwerk.yaml", corpus_seeds / "registry" / "new.yaml")
    result = validate_file(path, *var)
    assert result.exit_code == 0, result.output


def test_validate_one_file_shape_violation_exits_1(corpus_seeds: Path, tmp_path: Path) -> None:
    ontology = ontology_with_required(
        tmp_path,
        "https://w3id.org/autoalliance/ontology#Deal",
        "https://schema.org/email",
        "a deal needs an e-mail address",
    )
    path = corpus_seeds / "annotations" / "001_688c4f44f09f2543.yaml"
    result = validate_file(path, "--ontology", str(ontology), "--var", str(tmp_path / "var"))
    assert result.exit_code == 1, result.output
    assert 'deal:bmw-toyota-2012-mou ("' in result.output and "a deal needs an e-mail address" in result.output


def test_validate_one_file_that_is_not_there(corpus_seeds: Path) -> None:
    result = validate_file(corpus_seeds / "annotations" / "nope.yaml")
    assert result.exit_code == 2
    (corpus_seeds / "annotations" / "orphan.yaml").write_text("document: {}\n", encoding="utf-8")
    result = validate_file(corpus_seeds / "annotations" / "orphan.yaml")
    assert result.exit_code == 2 and "no document orphan.txt" in result.output


def test_serve_stops_within_its_stop_timeout_of_sigterm(kg_var: Path) -> None:
    """A web process still starting its query workers ignored SIGTERM, and Granian waited for it for ever (a
    test's server outlived its 30 s wait on a loaded machine): web processes now get STOP_TIMEOUT seconds."""
    import socket
    import time

    from server.serve import STOP_TIMEOUT

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    command = [sys.executable, "-m", "kg.cli", "serve", "--no-build", "--var", str(kg_var), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(1.5)  # SIGTERM while the web processes are still starting
        started = time.monotonic()
        process.terminate()
        process.wait(timeout=STOP_TIMEOUT + 20)  # raises when the server outlives its bound (and a margin)
        assert time.monotonic() - started < STOP_TIMEOUT + 20
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
