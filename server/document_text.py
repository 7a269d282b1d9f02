"""The text of a source document cut into segments, with its evidence quotes marked at their code-point offsets.

The text itself is a build output, read with :func:`kg.texts.read_text` (the id must match ``kg.iris.DOC_ID`` and
the resolved path stay inside the build's ``texts/``, so no request can name another file).
"""

from __future__ import annotations

from dataclasses import dataclass

from .page_data import Evidence


@dataclass(frozen=True)
class Segment:
    """A run of text; ``evidence`` is set when the run is (part of) a quote."""

    text: str
    evidence: tuple[Evidence, ...] = ()
    anchors: tuple[Evidence, ...] = ()


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
