"""Checks that hold for any valid corpus: run over the live ``seeds/`` and over the seeds plus an extra article.

Nothing here names a firm, a deal or a count of today's articles; exact answers are checked against the frozen
corpus ``tests/data/corpus/`` instead. Each check takes the seeds directory (or its parsed corpus) and raises
``AssertionError`` saying what is wrong.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path

from kg.build import compile_dataset, domain_slugs
from kg.config import PROJECT_ROOT, Paths
from kg.document_sums import sum_mismatches
from kg.evidence import read_corpus
from kg.ontology import load_ontology
from kg.records import Corpus
from kg.store import open_store

DATA = Path(__file__).parent / "data"
EXTRA = DATA / "extra"  # an invented, valid article with its registry entries


def seeds_with_extra_article(target: Path) -> Path:
    """A copy of the project's seeds in ``target/seeds`` with the extra article added as an analyst would:
    its text, its annotations, its registry file, and its line in ``documents/SHA256SUMS``."""
    from kg.document_sums import record_sum

    seeds = target / "seeds"
    shutil.copytree(Paths().seeds, seeds)
    for part in ("documents", "annotations", "registry"):
        for path in (EXTRA / part).iterdir():
            shutil.copy2(path, seeds / part / path.name)
    for text in (EXTRA / "documents").glob("*.txt"):
        record_sum(seeds / "documents" / text.name)
    return seeds


def read(seeds: Path) -> Corpus:
    """The parsed corpus; fails (with every problem) if a quote does not anchor or a reference does not resolve."""
    corpus, _ = read_corpus(seeds, domain_slugs(load_ontology(Paths().ontology)))
    return corpus


def check_texts_match_their_sums(seeds: Path) -> None:
    problems = sum_mismatches(seeds / "documents")
    hint = "after adding an article: cd seeds/documents && sha256sum *.txt > SHA256SUMS"
    assert not problems, "\n".join([*problems, hint])


def check_every_document_is_annotated(seeds: Path, corpus: Corpus) -> None:
    assert sorted(d.id for d in corpus.documents) == sorted(p.stem for p in (seeds / "documents").glob("*.txt"))
    for doc in corpus.documents:
        assert doc.deals or doc.refs or doc.alliances or doc.investigations, f"{doc.id} states nothing"


def check_every_fact_has_evidence_from_its_text(corpus: Corpus) -> None:
    for doc in corpus.documents:
        for item in [*doc.deals, *doc.refs, *doc.alliances, *doc.investigations]:
            assert item.evidence, getattr(item, "id", getattr(item, "ref", "?"))
            for quote in item.evidence:
                assert doc.text.count(quote.exact) >= 1, f"{doc.id}: {quote.exact!r}"


def check_ids_are_unique(corpus: Corpus) -> None:
    ids = Counter(
        [e.id for e in corpus.registry]
        + [x.id for doc in corpus.documents for x in (*doc.deals, *doc.alliances, *doc.investigations)]
    )
    assert not [i for i, n in ids.items() if n > 1], [i for i, n in ids.items() if n > 1]


def check_conforms(seeds: Path) -> None:
    compiled = compile_dataset(Paths(seeds=seeds))
    assert compiled.report.conforms


def readme_query() -> str:
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(r"```sparql\n(.*?)```", readme, flags=re.DOTALL)
    assert match, "README.md has no example query"
    return match.group(1)


def check_readme_query_returns_rows(paths: Paths) -> None:
    """On a build of the seeds, the README's example query runs and returns at least one row."""
    store = open_store(paths.store)
    rows = list(store.query(readme_query(), use_default_graph_as_union=True))
    assert rows, "the README's example query returns no row"


def check_all(seeds: Path, var: Path) -> None:
    """Every live-data check over ``seeds``, building into ``var`` for those that need a store."""
    from kg.build import build

    check_texts_match_their_sums(seeds)
    corpus = read(seeds)
    check_every_document_is_annotated(seeds, corpus)
    check_every_fact_has_evidence_from_its_text(corpus)
    check_ids_are_unique(corpus)
    check_conforms(seeds)
    paths = Paths(seeds=seeds, var=var)
    build(paths)
    check_readme_query_returns_rows(paths)
