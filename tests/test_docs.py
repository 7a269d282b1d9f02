"""The documentation stays true: settings, commands and links it names exist, and what exists is named."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pyoxigraph as ox

from kg.cli import main
from kg.config import PROJECT_ROOT, Paths
from kg.store import open_store
from server import DEFAULTS

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
DEPLOYMENT = (PROJECT_ROOT / "docs/deployment.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", DEPLOYMENT, flags=re.MULTILINE))
    assert documented == set(DEFAULTS)


def test_every_command_is_in_the_readme() -> None:
    import click

    names = main.list_commands(click.Context(main))
    assert "serve" in names
    for name in names:
        assert f"autoalliance {name}" in README, name


def test_readme_links_resolve() -> None:
    for target in re.findall(r"\]\(([^)#]+)\)", README):
        if not target.startswith("http"):
            assert (PROJECT_ROOT / target).exists(), target


def test_readme_commands_are_make_targets() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, flags=re.MULTILINE), target
    ci = (PROJECT_ROOT / ".ci/run").read_text(encoding="utf-8")
    assert "make test" in ci


def readme_example() -> tuple[str, list[list[str]]]:
    """The README's example query and the output it shows (CSV)."""
    query = re.search(r"```sparql\n(.*?)```", README, flags=re.DOTALL).group(1)
    shown = re.search(r"prints(?:(?!```).)*?:\n\n```\n(.*?)```", README, flags=re.DOTALL).group(1)
    return query, list(csv.reader(io.StringIO(shown)))


def guide_examples() -> list[tuple[str, list[list[str]]]]:
    """Every query of docs/querying.md that shows a result table, with the table (header first)."""
    guide = (PROJECT_ROOT / "docs/querying.md").read_text(encoding="utf-8")
    pairs = re.findall(r"```sparql\n((?:(?!```).)*?)```\n\n((?:\|[^\n]*\|\n)+)", guide, flags=re.DOTALL)
    examples = []
    for query, table in pairs:
        lines = table.strip().splitlines()
        rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in (lines[0], *lines[2:])]
        examples.append((query, rows))
    return examples


def table(store: ox.Store, query: str) -> list[list[str]]:
    """A SELECT query's result as a header row and value rows (unbound values as '')."""
    result = store.query(query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    return [names, *([solution[n].value if solution[n] is not None else "" for n in names] for solution in result)]


def test_readme_example_output_is_that_of_the_frozen_corpus(corpus_store: ox.Store) -> None:
    """The README shows the output on the frozen corpus (tests/data/corpus/), and says so."""
    query, expected = readme_example()
    assert table(corpus_store, query) == expected
    assert "tests/data/corpus/" in README


def test_readme_example_query_returns_rows_on_the_live_seeds(kg_var: Path) -> None:
    query, expected = readme_example()
    rows = table(open_store(Paths(var=kg_var).store), query)
    assert rows[0] == expected[0] and len(rows) > 1


def test_querying_guide_results_are_those_of_the_frozen_corpus(corpus_store: ox.Store) -> None:
    """Every query of docs/querying.md that shows a result table gives exactly that table on the frozen corpus."""
    examples = guide_examples()
    assert len(examples) >= 10
    for query, shown in examples:
        assert table(corpus_store, query) == shown, query
    assert "tests/data/corpus/" in (PROJECT_ROOT / "docs/querying.md").read_text(encoding="utf-8")


def test_querying_guide_queries_run_on_the_live_seeds(kg_var: Path) -> None:
    store = open_store(Paths(var=kg_var).store)
    for query, shown in guide_examples():
        assert table(store, query)[0] == shown[0], query
