"""Shared fixtures.

``kg_var``: a var directory (``store/`` and ``dumps/``) holding the knowledge graph built from the real seeds by
the real pipeline, once per test session. ``sample_var``: the same layout built from ``tests/data/sample.trig``.
``corpus_var``: the var directory of the frozen fixture corpus ``tests/data/corpus/`` (a copy of the seeds as
they were when the expected answers were written), built by the real pipeline: tests that compare exact answers
use it, so adding an article to ``seeds/`` never changes what they expect.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.config import Paths
from kg.store import write_store

DATA = Path(__file__).parent / "data"
CORPUS = DATA / "corpus"


@pytest.fixture(scope="session")
def sample_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    var = tmp_path_factory.mktemp("sample-var")
    with open(DATA / "sample.trig", "rb") as f:
        quads = list(ox.parse(f, format=ox.RdfFormat.TRIG))
    write_store(quads, Paths(var=var).store)
    Paths(var=var).dumps.mkdir()
    return var


@pytest.fixture(scope="session")
def kg_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.build import build

    var = tmp_path_factory.mktemp("kg-var")
    build(Paths(var=var))
    return var


@pytest.fixture(scope="session")
def corpus_var(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kg.build import build

    var = tmp_path_factory.mktemp("corpus-var")
    build(Paths(seeds=CORPUS, var=var))
    return var


@pytest.fixture(scope="session")
def corpus_store(corpus_var: Path) -> ox.Store:
    """The store of the frozen corpus's build (read through ``Paths``, whatever the var layout)."""
    from kg.store import open_store

    return open_store(Paths(seeds=CORPUS, var=corpus_var).store)
