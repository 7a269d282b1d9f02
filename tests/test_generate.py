"""The benchmark corpus generator writes the real annotation format, the same files for the same seed."""

from __future__ import annotations

from pathlib import Path

from bench.generate import generate
from kg.build import domain_slugs
from kg.config import Paths
from kg.evidence import read_corpus
from kg.ontology import load_ontology


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_generated_corpus_reads_and_anchors(tmp_path: Path) -> None:
    stats = generate(tmp_path / "corpus", 5, seed=1)
    corpus, anchors = read_corpus(tmp_path / "corpus", domain_slugs(load_ontology(Paths().ontology)))
    assert len(corpus.documents) == 5 == stats["documents"]
    assert sum(len(d.deals) for d in corpus.documents) >= 5
    assert len(anchors) == stats["evidence"]
    for doc in corpus.documents:
        for item in (*doc.deals, *doc.refs, *doc.alliances, *doc.investigations):
            for quote in item.evidence:
                anchor = anchors[quote]
                assert doc.text[anchor.start : anchor.end] == quote.exact


def test_same_seed_same_files_other_seed_other_files(tmp_path: Path) -> None:
    generate(tmp_path / "a", 5, seed=7)
    generate(tmp_path / "b", 5, seed=7)
    generate(tmp_path / "c", 5, seed=8)
    assert _files(tmp_path / "a") == _files(tmp_path / "b")
    assert _files(tmp_path / "a") != _files(tmp_path / "c")
