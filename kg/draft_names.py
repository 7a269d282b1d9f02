"""Who a text names: registry entries by every name they have, new organisations and people proposed for the
registry, and phrases such as "the two companies" resolved to the firms they stand for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .draft_lexicon import Registry, compile_patterns
from .draft_text import Mention, Sentence, find_mentions, name_pattern

SLUG_JUNK = re.compile(r"[^a-z0-9]+")
CAPITALISED = r"[A-Z][\w&'’.-]*[\w&]"


def slugify(text: str) -> str:
    """An id slug of ``text``: lower-case ASCII letters, digits and single hyphens."""
    import unicodedata

    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return SLUG_JUNK.sub("-", ascii_text.lower()).strip("-") or "item"


@dataclass
class Proposal:
    """A registry entry the draft proposes (``kind`` is ``firms`` or ``people``), with why it was proposed."""

    kind: str
    fields: dict[str, Any]
    checks: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return str(self.fields["id"])


@dataclass
class Names:
    """Everything named in one text: the mentions in order, and the entries proposed for the registry."""

    mentions: list[Mention]
    kinds: dict[str, str]  # entry id -> its registry list (firms, brands, people, products, authorities)
    firm_of: dict[str, str]  # brand id -> the firm that owns it
    proposals: list[Proposal]
    short_names: dict[str, str]  # entry id -> the first name the text uses for it

    def in_span(self, start: int, end: int, kinds: tuple[str, ...]) -> list[Mention]:
        return [m for m in self.mentions if start <= m.start < end and self.kinds.get(m.id) in kinds]


def _unique_id(base: str, taken: set[str]) -> str:
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _firm_kind(name: str, rules: dict[str, Any]) -> str | None:
    for kind, words in (rules.get("kind_hints") or {}).items():
        if re.search(r"\b(?:" + "|".join(words) + r")\b", name):
            return str(kind)
    return None


def _propose_organisations(
    text: str, sentences: list[Sentence], known: dict[str, str], rules: dict[str, Any], taken: set[str]
) -> tuple[list[Proposal], dict[str, str]]:
    """New organisations: capitalised names with a corporate suffix, or in a role a deal gives them."""
    not_names = set(rules.get("not_names") or [])
    suffixes = "|".join(rules.get("corporate_suffixes") or [])
    name = rf"{CAPITALISED}(?: (?:&|{CAPITALISED}))*"
    with_suffix = re.compile(rf"(?<![\w-])(?P<name>{name}) (?P<suffix>{suffixes})(?![\w])")
    found: dict[str, tuple[str, str | None, Sentence]] = {}  # label -> (label, legal name, sentence)

    def sentence_at(offset: int) -> Sentence:
        return next(s for s in sentences if s.start <= offset < max(s.end, s.start + 1))

    def clean(words: str) -> str:
        parts = words.split()
        while parts and parts[0] in not_names:
            parts = parts[1:]
        return " ".join(parts)

    for m in with_suffix.finditer(text):
        label = clean(m.group("name"))
        if not label or label in known or f"{label} {m.group('suffix')}" in known or m.group() in known:
            continue
        if any(m.start() <= s.start < m.end() for s in sentences):
            continue  # a name cannot span a sentence break
        found.setdefault(label, (label, f"{label} {m.group('suffix')}", sentence_at(m.start())))
    for context in rules.get("role_contexts") or []:
        pattern = re.compile(str(context).replace("NAME", rf"(?P<name>{name})"))
        for m in pattern.finditer(text):
            label = clean(m.group("name"))
            head = label.split(" ")[0] if label else ""
            if (
                not label
                or head in not_names
                or label in known
                or label.isupper()
                and len(label) < 3
                or label.lower() in ("we", "i")
            ):
                continue
            if any(label.startswith((f"{k} ", f"{k}’s", f"{k}'s")) for k in known):
                continue  # "BMW’s Reithofer": a known name followed by another capitalised word
            if any(
                label in (other, legal) or label.startswith(other + " ") or other.startswith(label + " ")
                for other, legal, _ in found.values()
            ):
                continue  # "Nordwerk" or "Nordwerk Batteries GmbH": a form of a name already found
            found.setdefault(label, (label, None, sentence_at(m.start())))
    proposals: list[Proposal] = []
    names: dict[str, str] = {}
    for label, legal, sentence in found.values():
        slug = _unique_id(slugify(label), taken)
        fields: dict[str, Any] = {"id": slug, "label": label}
        if legal:
            fields["legal_name"] = legal
        first = label.split(" ")[0]
        alt = (
            [first]
            if " " in label
            and first not in not_names
            and re.search(rf"(?<![\w-]){re.escape(first)}(?! {re.escape(label.split(' ')[1])})(?![\w-])", text)
            else []
        )
        if alt:
            fields["alt"] = alt
        kind = _firm_kind(label, rules)
        if kind:
            fields["kind"] = kind
        checks = [
            f"not in the registry; proposed from: {sentence.text[:160]}",
            "verify the name, add country, and wikidata only if it is the same legal entity",
        ]
        if kind:
            checks.append(f"kind {kind} guessed from the name")
        proposals.append(Proposal("firms", fields, checks))
        for n in [label, *(legal and [legal] or []), *alt]:
            names[n] = slug
    return proposals, names


def _propose_people(
    text: str, firm_names: dict[str, str], known: dict[str, str], rules: dict[str, Any], taken: set[str]
) -> tuple[list[Proposal], dict[str, str]]:
    """New people: "<First Last>, <title> of <Firm>" and "<Firm> <title> <First Last>"."""
    titles = "|".join(rules.get("person_titles") or [])
    firm = name_pattern(firm_names)
    if firm is None or not titles:
        return [], {}
    firm_re = firm.pattern.replace("(?P<name>", "(?P<firm>")
    person = r"(?P<person>[A-Z][a-z]+(?: [A-Z][a-z]+)+)"
    patterns = [
        re.compile(rf"{person}, (?:the )?(?P<title>{titles}) of (?:the )?{firm_re}"),
        re.compile(rf"{firm_re} (?P<title>{titles}) {person}"),
    ]
    proposals: list[Proposal] = []
    names: dict[str, str] = {}
    for pattern in patterns:
        for m in pattern.finditer(text):
            full = m.group("person")
            if full in known or full in names:
                continue
            slug = _unique_id(slugify(full), taken)
            fields = {
                "id": slug,
                "label": full,
                "title": m.group("title")[0].upper() + m.group("title")[1:],
                "affiliation": firm_names[m.group("firm")],
            }
            proposals.append(Proposal("people", fields, [f"not in the registry; proposed from: {m.group()}"]))
            names[full] = slug
            names[full.split()[-1]] = slug
    return proposals, names


def find_names(text: str, sentences: list[Sentence], registry: Registry, rules: dict[str, Any]) -> Names:
    """Every registry entry and proposed entry the text names, in text order."""
    kinds = {e.id: e.kind for e in registry.entries.values()}
    names: dict[str, str] = {}
    for entry in registry.entries.values():
        for name in entry.names:
            names.setdefault(name, entry.id)
    taken = set(registry.entries)
    proposals, org_names = _propose_organisations(text, sentences, names, rules, taken)
    for name, slug in org_names.items():
        names.setdefault(name, slug)
        kinds[slug] = "firms"
    firm_names = {n: i for n, i in names.items() if kinds.get(i) == "firms"}
    people, people_names = _propose_people(text, firm_names, names, rules, taken)
    for name, slug in people_names.items():
        names.setdefault(name, slug)
        kinds[slug] = "people"
    starts = {s.start for s in sentences}
    mentions = find_mentions(text, names, set(rules.get("common_words") or []), starts)
    firm_of = {e.id: str(e.fields["owner"]) for e in registry.of_kind("brands") if e.fields.get("owner")}
    short: dict[str, str] = {}
    for m in mentions:
        short.setdefault(m.id, m.surface)
    return Names(mentions, kinds, firm_of, [*proposals, *people], short)


class References:
    """Phrases such as "the two companies" or "the US carmaker", resolved to the firms of the text just before."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.rules = [
            (compile_patterns([str(r["pattern"])]), int(r.get("last", 1)), r.get("country"))
            for r in rules.get("references") or []
        ]

    def resolve(
        self, sentence: Sentence, recent: list[str], countries: dict[str, str]
    ) -> list[tuple[int, list[str], str]]:
        """(offset in the text, firm ids, the phrase) for each phrase of ``sentence`` that ``recent`` (the
        distinct firms named just before, in order) makes unambiguous: exactly ``last`` firms for "the two
        companies", a single firm of the country for "the US carmaker"."""
        found: list[tuple[int, list[str], str]] = []
        for pattern, count, country in self.rules:
            for m in pattern.finditer(sentence.text):
                pos = sentence.start + m.start()
                if any(s <= pos < s + len(p) for s, _, p in found):
                    continue
                if country:
                    of_country = [f for f in recent if countries.get(f) == country]
                    if len(of_country) == 1:
                        found.append((pos, of_country, m.group()))
                elif len(recent) == count:
                    found.append((pos, list(recent), m.group()))
        return found
