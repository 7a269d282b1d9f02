"""The autoalliance command: exit codes (0 ok, 1 does not conform, 2 cannot run), outputs, --help."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from shapes_support import ontology_with_required

from kg.cli import main
from kg.config import PROJECT_ROOT

DATA = Path(__file__).parent / "data"


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    shutil.copytree(DATA / "valid", tmp_path / "seeds")
    return ["--seeds", str(tmp_path / "seeds"), "--ontology", str(PROJECT_ROOT / "ontology"),
            "--var", str(tmp_path / "var")]


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
    q = ("PREFIX aa: <https://w3id.org/autoalliance/ontology#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
         "SELECT ?label WHERE { ?d aa:status aa:Signed ; rdfs:label ?label } ORDER BY ?label")
    result = runner.invoke(main, ["query", q, "--format", "json", *dirs])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"label": "Alpha engines for Gamma Cars"},
                                         {"label": "Alpha–Beta battery cell research agreement (March 2012)"}]
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
    ontology = ontology_with_required(tmp_path, "https://w3id.org/autoalliance/ontology#Person",
                                      "https://schema.org/email", "a person needs an e-mail address")
    args = [*dirs[:2], "--ontology", str(ontology), *dirs[4:]]
    for command in ("validate", "build"):
        result = CliRunner().invoke(main, [command, "-q", *args])
        assert result.exit_code == 1, result.output
        assert 'person:ann-example ("Ann Example"): schema:email: a person needs an e-mail address' in result.output
    assert not (tmp_path / "var").exists()
