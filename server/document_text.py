"""The text of a source document, with its evidence quotes marked at their code-point offsets.

The text is read from ``SEEDS_DIR/documents/<id>.txt``; the id must match ``kg.iris.DOC_ID`` and the resolved
path must stay inside the documents directory, so no request can name another file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kg.iris import DOC_ID

from .page_data import Evidence


@dataclass(frozen=True)
class Segment:
    """A run of text; ``evidence`` is set when the run is (part of) a quote."""

    text: str
    evidence: tuple[Evidence, ...] = ()
    anchors: tuple[Evidence, ...] = ()


def document_text(seeds_dir: Path, doc_id: str) -> str | None:
    """The article text of ``doc_id``, or ``None`` when the id is not safe or no text is there."""
    if not DOC_ID.fullmatch(doc_id):
        return None
    documents = (seeds_dir / "documents").resolve()
    path = (documents / f"{doc_id}.txt").resolve()
    if path.parent != documents or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")


def segments(text: str, quotes: list[Evidence]) -> list[Segment] | None:
    """Split ``text`` at the quotes' offsets (Python indexes are code points, as the offsets are).

    Overlapping quotes are handled by cutting at every boundary. Returns ``None`` when any quote's offsets do
    not select its text, so a page never marks the wrong words.
    """
    placed = [(q, q.start, q.end) for q in quotes if q.start is not None and q.end is not None]
    for q, start, end in placed:
        if not (0 <= start <= end <= len(text)) or (q.quote and text[start:end] != q.quote):
            return None
    cuts = sorted({0, len(text), *(start for _, start, _ in placed), *(end for _, _, end in placed)})
    result: list[Segment] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        covering = tuple(q for q, start, end in placed if start <= a and b <= end)
        anchors = tuple(q for q, start, _ in placed if start == a)
        result.append(Segment(text[a:b], covering, anchors))
    return result
