"""Stage 2: anchor each evidence quote in its document: code-point offsets, and the context around it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .annotations import parse_annotations
from .errors import AnnotationError, AnnotationErrors
from .records import Alliance, Corpus, Deal, DealRef, Investigation, Quote

CONTEXT = 32  # code points of prefix and suffix kept in oa:TextQuoteSelector


@dataclass(frozen=True)
class Anchor:
    """Where a quote stands in its document: ``text[start:end] == exact`` (code points, end exclusive)."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def _occurrences(text: str, quote: str) -> list[int]:
    found, at = [], text.find(quote)
    while at != -1:
        found.append(at)
        at = text.find(quote, at + 1)
    return found


def anchor_quote(text: str, quote: str, prefix: str | None = None, suffix: str | None = None) -> Anchor:
    """Find ``quote`` in ``text``, using ``prefix``/``suffix`` (text right before/after) to choose among repeats.

    >>> anchor_quote("BMW and Toyota; Toyota and BMW", "Toyota", suffix=" and").start
    16

    Raises ``LookupError`` with a message when the quote is absent or still ambiguous.
    """
    starts = _occurrences(text, quote)
    if not starts:
        raise LookupError(f"quote not found in the document: {quote!r}")
    if prefix is not None:
        starts = [s for s in starts if text[:s].endswith(prefix)]
    if suffix is not None:
        starts = [s for s in starts if text[s + len(quote) :].startswith(suffix)]
    if not starts:
        raise LookupError(f"quote {quote!r} occurs, but never with the given prefix/suffix")
    if len(starts) > 1:
        raise LookupError(f"quote {quote!r} occurs {len(starts)} times; add a prefix or suffix to choose one")
    start = starts[0]
    end = start + len(quote)
    return Anchor(start, end, quote, text[max(0, start - CONTEXT) : start], text[end : end + CONTEXT])


def anchor_corpus(corpus: Corpus) -> dict[Quote, Anchor]:
    """Anchor every quote of every document; raises :class:`AnnotationErrors` listing each one that fails."""
    anchors: dict[Quote, Anchor] = {}
    errors: list[AnnotationError] = []
    for doc in corpus.documents:
        items: list[Deal | DealRef | Alliance | Investigation] = [
            *doc.deals,
            *doc.refs,
            *doc.alliances,
            *doc.investigations,
        ]
        for item in items:
            for quote in item.evidence:
                try:
                    anchors[quote] = anchor_quote(doc.text, quote.exact, quote.prefix, quote.suffix)
                except LookupError as exc:
                    loc = quote.loc
                    errors.append(AnnotationError(loc.path, loc.line, loc.col, str(exc)))
    if errors:
        raise AnnotationErrors(errors)
    return anchors


def read_corpus(seeds: Path, domains: set[str]) -> tuple[Corpus, dict[Quote, Anchor]]:
    """Parse the annotations and anchor their quotes; raises :class:`AnnotationErrors` with the problems of both."""
    errors: list[AnnotationError] = []
    try:
        corpus = parse_annotations(seeds, domains)
    except AnnotationErrors as exc:
        if exc.corpus is None:
            raise
        errors.extend(exc.errors)
        corpus = exc.corpus
    try:
        anchors = anchor_corpus(corpus)
    except AnnotationErrors as exc:
        errors.extend(exc.errors)
    if errors:
        raise AnnotationErrors(sorted(errors, key=lambda e: (e.path, e.line, e.col)))
    return corpus, anchors
