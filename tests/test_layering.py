"""The build never imports the server: ``kg/`` is a library the server builds on, not the other way round."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

KG = Path(__file__).resolve().parents[1] / "kg"


@pytest.mark.parametrize("path", sorted(KG.rglob("*.py")), ids=lambda p: p.name)
def test_kg_never_imports_server(path: Path) -> None:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        for name in names:
            assert name.split(".")[0] != "server", f"{path.name}:{node.lineno} imports {name}"


def test_serve_comes_from_the_server_through_an_entry_point() -> None:
    import click
    from click.testing import CliRunner

    from kg.cli import main

    serve = main.get_command(click.Context(main), "serve")
    assert serve is not None and serve.callback.__module__ == "server.cli"  # type: ignore[union-attr]
    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0
    assert "--processes" in result.output


def test_regression_python_m_kg_cli_loads_registered_commands() -> None:
    """``python -m kg.cli publish`` once failed: loading ``serve`` at import re-entered the half-loaded CLI."""
    import subprocess
    import sys

    for command in ("publish", "serve"):
        done = subprocess.run([sys.executable, "-m", "kg.cli", command, "--help"], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "Usage:" in done.stdout
