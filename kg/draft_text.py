"""The text side of a draft: sentences with their offsets, names found in them, quotes that anchor uniquely."""

from __future__ import annotations

import re
from collections.abc import Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from .evidence import anchor_quote

# A sentence ends at . ! ? (and a closing quotation mark after it) followed by space and a capital, a digit or
# an opening quotation mark; "Co." or "Inc." followed by a lower-case word do not end one.
_END = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[A-Z0-9“\"(\[])")
_ABBREVIATIONS = re.compile(r"\b(?:Co|Inc|Corp|Ltd|Mr|Ms|Dr|St|No|vs|U\.S|e\.g|i\.e)\.$")


@dataclass(frozen=True)
class Sentence:
    """A sentence of the document: ``text == document[start:end]``; ``paragraph`` counts non-empty lines."""

    start: int
    end: int
    text: str
    paragraph: int


@dataclass(frozen=True)
class Mention:
    """A name found in the text: the entry it names, where, and the words used."""

    id: str
    start: int
    end: int
    surface: str


def split_sentences(text: str) -> list[Sentence]:
    """The sentences of ``text``, paragraph by paragraph (a paragraph is a non-empty line)."""
    sentences: list[Sentence] = []
    paragraph = 0
    for line in re.finditer(r"[^\n]+", text):
        if not line.group().strip():
            continue
        offset, body = line.start(), line.group()
        cut = 0
        for match in _END.finditer(body):
            piece = body[cut : match.start()].rstrip()
            if _ABBREVIATIONS.search(piece) or re.fullmatch(r"\d{1,2}\.", piece.strip()):  # "1. Fuel cells"
                continue
            # keep a closing quotation mark with its sentence
            end = match.start() + (len(match.group()) - len(match.group().lstrip('"”’)')))
            _add(sentences, text, offset + cut, offset + end, paragraph)
            cut = match.end()
        _add(sentences, text, offset + cut, offset + len(body.rstrip()), paragraph)
        paragraph += 1
    return sentences


def _add(sentences: list[Sentence], text: str, start: int, end: int, paragraph: int) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        sentences.append(Sentence(start, end, text[start:end], paragraph))


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """A case-sensitive pattern matching any of ``names`` as whole words, with an optional possessive."""
    alternatives = sorted({n for n in names if n.strip()}, key=len, reverse=True)
    if not alternatives:
        return None
    body = "|".join(re.escape(n) for n in alternatives)
    return re.compile(rf"(?<![\w-])(?P<name>{body})(?:['’]s)?(?![\w-])")


def find_mentions(
    text: str,
    names: dict[str, str],
    common_words: AbstractSet[str] = frozenset(),
    sentence_starts: AbstractSet[int] = frozenset(),
) -> list[Mention]:
    """Every non-overlapping mention of a name of ``names`` (name -> id) in ``text``, longest name first.

    A name in ``common_words`` ("Here") is not taken at the start of a sentence, where any word is capitalised.
    """
    pattern = name_pattern(names)
    if pattern is None:
        return []
    found: list[Mention] = []
    for match in pattern.finditer(text):
        name = match.group("name")
        if name in common_words and (match.start() in sentence_starts or _after_opening(text, match.start())):
            continue
        found.append(Mention(names[name], match.start(), match.start() + len(name), name))
    return found


def _after_opening(text: str, start: int) -> bool:
    before = text[max(0, start - 2) : start]
    return before.endswith(("“", '"', "\n")) or start == 0


def unique_quote(text: str, sentence: Sentence) -> tuple[str, str | None, str | None]:
    """The quote for a sentence and, when the sentence occurs more than once, the prefix or suffix that selects
    it: ``(quote, prefix, suffix)``.

    Raises ``LookupError`` when no context of up to 80 characters makes it unique (identical paragraphs).
    """
    quote = sentence.text
    if text.count(quote) == 1:
        return quote, None, None
    for size in (10, 20, 40, 80):
        prefix = text[max(0, sentence.start - size) : sentence.start]
        suffix = text[sentence.end : sentence.end + size]
        for context in ({"prefix": prefix}, {"suffix": suffix}):
            if not next(iter(context.values())):
                continue
            try:
                anchor = anchor_quote(text, quote, **context)
            except LookupError:
                continue
            if anchor.start == sentence.start:
                return quote, context.get("prefix"), context.get("suffix")
    raise LookupError(f"the sentence at offset {sentence.start} occurs several times with the same context")
