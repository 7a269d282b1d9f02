"""Competency questions: each ``tests/competency/NN-name.rq`` against the graph built from the frozen corpus.

The expected answers are those of ``tests/data/corpus/`` (a frozen copy of the seeds), never of the live
``seeds/``: adding an article to the seeds must not change them. When the corpus is refreshed from the seeds on
purpose, the answers are updated with it.

Every query has its expected answer in ``NN-name.json``::

    {"ordered": true, "results": [{"var": "value", ...}, ...]}

Values are strings: IRIs in full, literals as their lexical form; an unbound variable is absent from its row.
``ordered`` is true only when the query's ORDER BY fully determines the order; the rows are then compared as a
list, otherwise as a multiset. The same ``.rq`` files are the example queries of the web UI.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

COMPETENCY = Path(__file__).parent / "competency"
QUERIES = sorted(COMPETENCY.glob("*.rq"))

Row = dict[str, str]


@pytest.fixture(scope="module")
def store(corpus_store: ox.Store) -> ox.Store:
    return corpus_store


def run(store: ox.Store, query: str) -> list[Row]:
    """The solutions of a SELECT query over the union of all graphs, as rows of strings."""
    solutions = store.query(query, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions), "a competency question must be a SELECT query"
    names = [v.value for v in solutions.variables]
    return [{name: solution[name].value for name in names if solution[name] is not None} for solution in solutions]


def _key(row: Row) -> str:
    return json.dumps(row, sort_keys=True, ensure_ascii=False)


def diff(expected: list[Row], actual: list[Row], ordered: bool) -> str:
    """A readable account of how ``actual`` differs from ``expected``."""
    lines = []
    if ordered and Counter(map(_key, expected)) == Counter(map(_key, actual)):
        lines.append("same rows, different order:")
        for i, (want, got) in enumerate(zip(expected, actual, strict=True)):
            mark = "  " if want == got else "! "
            lines.append(f"{mark}{i:3}: expected {_key(want)}")
            if want != got:
                lines.append(f"       got      {_key(got)}")
        return "\n".join(lines)
    missing = Counter(map(_key, expected)) - Counter(map(_key, actual))
    extra = Counter(map(_key, actual)) - Counter(map(_key, expected))
    lines.append(f"expected {len(expected)} rows, got {len(actual)}")
    for row, n in sorted(missing.items()):
        lines.append(f"- missing{f' x{n}' if n > 1 else ''}: {row}")
    for row, n in sorted(extra.items()):
        lines.append(f"+ unexpected{f' x{n}' if n > 1 else ''}: {row}")
    return "\n".join(lines)


def test_enough_questions() -> None:
    assert len(QUERIES) >= 15, f"only {len(QUERIES)} competency questions in {COMPETENCY}"


@pytest.mark.parametrize("rq", QUERIES, ids=[p.stem for p in QUERIES])
def test_question_is_documented(rq: Path) -> None:
    first = rq.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 10, f"{rq.name}: first line must be '# <question>'"
    assert rq.with_suffix(".json").is_file(), f"{rq.name}: no expected answer {rq.with_suffix('.json').name}"


@pytest.mark.parametrize("rq", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_question(store: ox.Store, rq: Path) -> None:
    expected_file = rq.with_suffix(".json")
    if not expected_file.is_file():
        pytest.fail(f"{rq.name}: no expected answer {expected_file.name}")
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    assert set(expected) == {"ordered", "results"}, f"{expected_file.name}: keys must be 'ordered' and 'results'"
    want: list[Row] = expected["results"]
    assert all(isinstance(v, str) for row in want for v in row.values()), f"{expected_file.name}: values not strings"

    got = run(store, rq.read_text(encoding="utf-8"))

    question = rq.read_text(encoding="utf-8").splitlines()[0].removeprefix("# ")
    ordered = expected["ordered"]
    same = got == want if ordered else Counter(map(_key, got)) == Counter(map(_key, want))
    if not same:
        pytest.fail(f"{rq.name}: {question}\n{diff(want, got, ordered)}", pytrace=False)


@pytest.mark.parametrize("rq", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_question_runs_on_the_live_seeds(kg_var: Path, rq: Path) -> None:
    """Over the live seeds (any valid corpus) each question is a SELECT query that runs; its answer may grow."""
    from kg.config import Paths
    from kg.store import open_store

    run(open_store(Paths(var=kg_var).store), rq.read_text(encoding="utf-8"))
