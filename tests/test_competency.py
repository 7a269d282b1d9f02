"""Competency questions: each ``server/queries/NN-name.rq`` against the graph built from the frozen corpus.

The questions are the example queries of the home page and the query UI: one file each, in ``server/queries/``
(package data, which the server may read); their expected answers are here, in ``tests/competency/``.

The expected answers are those of ``tests/data/corpus/`` (a frozen copy of the seeds), never of the live
``seeds/``: adding an article to the seeds must not change them. When the corpus is refreshed from the seeds on
purpose, the answers are updated with it.

Every query has its expected answer in ``tests/competency/NN-name.json``, and every answer its query::

    {"ordered": true, "results": [{"var": "value", ...}, ...]}

Values are strings: IRIs in full, literals as their lexical form; an unbound variable is absent from its row.
``ordered`` is true only when the query's ORDER BY fully determines the order; the rows are then compared as a
list, otherwise as a multiset.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

COMPETENCY = Path(__file__).parent / "competency"  # the expected answers
QUESTIONS = Path(__file__).resolve().parents[1] / "server" / "queries"  # the questions, as the UI shows them
QUERIES = sorted(QUESTIONS.glob("*.rq"))

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


def answer_file(rq: Path) -> Path:
    """The expected answer of the question ``rq``."""
    return COMPETENCY / f"{rq.stem}.json"


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
    assert len(QUERIES) >= 15, f"only {len(QUERIES)} competency questions in {QUESTIONS}"


def test_questions_and_answers_are_paired() -> None:
    """Regression: the questions were kept twice (tests/competency/ and server/queries/) and could drift apart.
    Now each is in server/queries/ only, with its answer here; an answer without its question (or a question
    copied back here) fails."""
    answers = {p.stem for p in COMPETENCY.glob("*.json")}
    assert answers == {p.stem for p in QUERIES}, f"unpaired: {sorted(answers ^ {p.stem for p in QUERIES})}"
    assert not list(COMPETENCY.glob("*.rq")), "the questions live in server/queries/ only"


@pytest.mark.parametrize("rq", QUERIES, ids=[p.stem for p in QUERIES])
def test_question_is_documented(rq: Path) -> None:
    first = rq.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ") and len(first) > 10, f"{rq.name}: first line must be '# <question>'"
    assert answer_file(rq).is_file(), f"{rq.name}: no expected answer {answer_file(rq)}"


@pytest.mark.parametrize("rq", QUERIES, ids=[p.stem for p in QUERIES])
def test_competency_question(store: ox.Store, rq: Path) -> None:
    expected_file = answer_file(rq)
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
