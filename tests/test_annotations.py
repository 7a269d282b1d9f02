"""kg.annotations and kg.evidence: every kind of bad input gets its message at its path:line:col."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.errors import AnnotationErrors
from kg.evidence import read_corpus
from kg.records import PartialDate

DATA = Path(__file__).parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.yaml"))
DOMAINS = {"battery-cells"}


def seeds_with(tmp_path: Path, replacement: Path | None = None) -> Path:
    """A copy of the valid fixture seeds, with one annotation or registry file replaced."""
    seeds = tmp_path / "seeds"
    shutil.copytree(DATA / "valid", seeds)
    if replacement is not None:
        target = "registry/registry.yaml" if replacement.name.startswith("registry-") else "annotations/doc1.yaml"
        shutil.copy(replacement, seeds / target)
    return seeds


def test_valid_fixture_reads(tmp_path: Path) -> None:
    corpus, anchors = read_corpus(seeds_with(tmp_path), DOMAINS)
    [doc] = corpus.documents
    assert [d.id for d in doc.deals] == [
        "alpha-beta-2012-battery-research",
        "alpha-gamma-engine-supply",
        "alpha-beta-acquisition",
    ]
    assert doc.issued == PartialDate(2012, 6)
    assert doc.deals[0].dates["signed"] == PartialDate(2012, 3)
    assert doc.deals[1].dates["starts"] == PartialDate(2014)
    assert doc.deals[2].value is not None and doc.deals[2].value.max == "1500000000"
    assert len(anchors) == 4


@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_reports_its_location(tmp_path: Path, fixture: Path) -> None:
    expected = [
        line.removeprefix("# expect: ").strip()
        for line in fixture.read_text().splitlines()
        if line.startswith("# expect: ")
    ]
    assert expected, f"{fixture.name} has no '# expect:' line"
    with pytest.raises(AnnotationErrors) as info:
        read_corpus(seeds_with(tmp_path, fixture), DOMAINS)
    messages = [str(e) for e in info.value.errors]
    folder = "registry/registry.yaml" if fixture.name.startswith("registry-") else "annotations/doc1.yaml"
    for expect in expected:
        location, _, text = expect.partition(" ")
        wanted = f"seeds/{folder}{location}"
        assert any(m.startswith(wanted) and text in m for m in messages), (
            f"expected '{wanted} ... {text}' in:\n" + "\n".join(messages)
        )


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path)
    path = seeds / "annotations/doc1.yaml"
    text = path.read_text()
    text = text.replace("status: InTalks", "status: Negotiating").replace("signed: 2012-03", "signed: 2012-02-30")
    text = text.replace("from 2014", "from 2099")  # a quote that no longer occurs
    path.write_text(text)
    with pytest.raises(AnnotationErrors) as info:
        read_corpus(seeds, DOMAINS)
    messages = "\n".join(str(e) for e in info.value.errors)
    assert "unknown status 'Negotiating'" in messages
    assert "impossible date '2012-02-30'" in messages
    assert "quote not found" in messages
    assert len(info.value.errors) == 3


def test_document_without_annotations_is_an_error(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path)
    (seeds / "documents/doc2.txt").write_text("Nothing annotated here.", encoding="utf-8")
    with pytest.raises(AnnotationErrors, match="document has no annotations/doc2.yaml"):
        read_corpus(seeds, DOMAINS)
