"""The documentation stays true: settings, commands and links it names exist, and what exists is named."""

from __future__ import annotations

import re

from kg.cli import main
from kg.config import PROJECT_ROOT
from server import DEFAULTS

README = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
DEPLOYMENT = (PROJECT_ROOT / "docs/deployment.md").read_text(encoding="utf-8")


def test_every_setting_is_documented() -> None:
    documented = set(re.findall(r"^\| `([A-Z_]+)` \|", DEPLOYMENT, flags=re.MULTILINE))
    assert documented == set(DEFAULTS)


def test_every_command_is_in_the_readme() -> None:
    for name in main.commands:
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


def test_readme_example_output_is_the_real_output(kg_var) -> None:  # noqa: ANN001
    import csv
    import io

    from kg.store import open_store

    query = re.search(r"```sparql\n(.*?)```", README, flags=re.DOTALL).group(1)
    shown = re.search(r"prints:\n\n```\n(.*?)```", README, flags=re.DOTALL).group(1)
    expected = list(csv.reader(io.StringIO(shown)))
    result = open_store(kg_var / "store").query(query, use_default_graph_as_union=True)
    names = [v.value for v in result.variables]
    rows = [[solution[n].value for n in names] for solution in result]
    assert [names, *rows] == expected


def test_querying_guide_results_are_the_real_results(kg_var) -> None:  # noqa: ANN001
    """Every query of docs/querying.md that shows a result table still gives exactly that table."""
    from kg.store import open_store

    guide = (PROJECT_ROOT / "docs/querying.md").read_text(encoding="utf-8")
    pairs = re.findall(r"```sparql\n((?:(?!```).)*?)```\n\n((?:\|[^\n]*\|\n)+)", guide, flags=re.DOTALL)
    assert len(pairs) >= 10
    store = open_store(kg_var / "store")
    for query, table in pairs:
        lines = table.strip().splitlines()
        shown = [[cell.strip() for cell in line.strip("|").split("|")] for line in (lines[0], *lines[2:])]
        result = store.query(query, use_default_graph_as_union=True)
        names = [v.value for v in result.variables]
        rows = [[solution[n].value if solution[n] is not None else "" for n in names] for solution in result]
        assert [names, *rows] == shown, query
