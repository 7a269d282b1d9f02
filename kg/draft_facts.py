"""What a text states, sentence by sentence: deals (kind, status, parties and roles, domains, products, dates,
value, signatories), the alliances they found, and the attribution of each evidence sentence.

Every rule comes from ``kg/lexicon/``; every uncertain choice is recorded in ``checks`` for the reviewer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .draft_dates import DateFinder, FoundDate
from .draft_lexicon import Registry, compile_patterns
from .draft_names import Names, References
from .draft_text import Sentence, unique_quote
from .records import PartialDate

TRANSACTIONS = {"Acquisition", "Merger", "EquityStake", "CrossShareholding", "Divestment"}
ROLE_WINDOW = 70  # characters before a deal's wording in which its first role (supplier, acquirer...) is named


@dataclass
class DraftQuote:
    quote: str
    prefix: str | None
    attribution: str
    start: int
    checks: list[str] = field(default_factory=list)


@dataclass
class DraftAlliance:
    id: str
    label: str
    founders: list[str]
    evidence: list[DraftQuote]
    domains: list[str] = field(default_factory=list)
    founded: PartialDate | None = None
    checks: list[str] = field(default_factory=list)
    names: list[str] = field(default_factory=list)


@dataclass
class DraftDeal:
    id: str
    kind: str
    status: str
    parties: list[str]
    roles: dict[str, list[str]]
    evidence: list[DraftQuote]
    names: list[str]                                  # the words the text uses for the firms, for the label
    domains: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    dates: dict[str, PartialDate] = field(default_factory=dict)
    dates_estimated: list[str] = field(default_factory=list)
    signatories: list[str] = field(default_factory=list)
    value: dict[str, str] | None = None
    alliance: DraftAlliance | None = None
    establishes: DraftAlliance | None = None
    ref: str | None = None
    label: str = ""
    checks: list[str] = field(default_factory=list)

    def all_firms(self) -> frozenset[str]:
        return frozenset(self.parties) | {f for firms in self.roles.values() for f in firms}


class Attributor:
    """The attribution of a sentence from its wording (``kg/lexicon/attribution.yaml``)."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.rules = [(compile_patterns(r["patterns"]), str(r["attribution"])) for r in rules["attributions"]]
        self.speech = compile_patterns([rf"\b{re.escape(v)}\b" for v in rules.get("speech_verbs") or []])
        self.markers = compile_patterns(rules.get("official_markers") or ["(?!)"], re.IGNORECASE | re.MULTILINE)
        self.default = str(rules.get("default", "PressReport"))

    def official_from(self, text: str) -> int:
        """The offset where an official text (a release) begins, or past the end when there is none."""
        m = self.markers.search(text)
        return m.start() if m else len(text) + 1

    def attribute(self, sentence: Sentence, spoken: bool, official: bool) -> str:
        for pattern, attribution in self.rules:
            if pattern.search(sentence.text):
                return attribution
        if spoken:
            return "ExecutiveStatement"
        return "OfficialStatement" if official else self.default


def _amount(number: str, multiplier: str | None, multipliers: dict[str, int]) -> str:
    value = Decimal(number.replace(",", ""))
    if multiplier:
        value *= multipliers[multiplier.lower()]
    value = value.normalize()
    return format(value, "f") if value == value.to_integral_value() else str(value)


class ValueFinder:
    """Monetary values with their currency and bound (``kg/lexicon/values.yaml``)."""

    def __init__(self, rules: dict[str, Any]) -> None:
        self.currencies = {str(k): str(v) for k, v in rules["currencies"].items()}
        self.multipliers = {str(k).lower(): int(v) for k, v in rules["multipliers"].items()}
        self.bounds = {str(k).lower(): str(v) for k, v in rules["bounds"].items()}
        symbols = "|".join(re.escape(c) for c in sorted(self.currencies, key=len, reverse=True) if not c.isalpha())
        words = "|".join(re.escape(c) for c in sorted(self.currencies, key=len, reverse=True) if c.isalpha())
        mult = "|".join(sorted(self.multipliers, key=len, reverse=True))
        bound = "|".join(re.escape(b) for b in sorted(self.bounds, key=len, reverse=True))
        number = r"(?P<number>\d[\d,]*(?:\.\d+)?)"
        self.pattern = re.compile(
            rf"(?:(?P<bound>{bound})\s+)?(?:(?P<symbol>{symbols})\s?{number}(?:\s?(?P<mult1>{mult})\b)?"
            rf"|{number.replace('number', 'number2')}\s?(?P<mult2>{mult})?\s(?P<word>{words})\b)", re.IGNORECASE)

    def find(self, text: str) -> tuple[dict[str, str], list[str]] | None:
        """The first value of ``text`` as annotation keys, and the checks it needs; None when there is none."""
        for m in self.pattern.finditer(text):
            currency_key = m.group("symbol") or m.group("word")
            currency = self.currencies.get(currency_key) or self.currencies.get(currency_key.lower())
            if currency is None:
                continue
            number = m.group("number") or m.group("number2")
            amount = _amount(number, m.group("mult1") or m.group("mult2"), self.multipliers)
            bound = self.bounds.get((m.group("bound") or "").lower())
            if bound == "max":
                return {"max": amount, "currency": currency}, []
            checks = [f"'{m.group().strip()}': written as an exact amount ({bound} in the text)"] if bound else []
            return {"amount": amount, "currency": currency}, checks
        return None


@dataclass
class Context:
    """What drafting the sentences of one text needs, built once."""

    text: str
    names: Names
    registry: Registry
    rules: dict[str, Any]
    domains: dict[str, str]
    dates: DateFinder
    kinds: list[tuple[re.Pattern[str], dict[str, Any]]] = field(init=False)
    statuses: list[tuple[re.Pattern[str], str]] = field(init=False)
    domain_pattern: re.Pattern[str] | None = field(init=False)

    def __post_init__(self) -> None:
        deals = self.rules["deals"]
        self.kinds = [(compile_patterns(k["patterns"]), k) for k in deals["kinds"]]
        self.statuses = [(compile_patterns(s["patterns"]), str(s["status"])) for s in deals["statuses"]]
        self.date_keys = [(compile_patterns(r["before"]), str(r["key"])) for r in deals.get("date_keys") or []]
        words = sorted(self.domains, key=len, reverse=True)
        self.domain_pattern = re.compile(
            r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.IGNORECASE) if words else None


@dataclass
class Draft:
    """The facts drafted from one text."""

    deals: list[DraftDeal] = field(default_factory=list)
    alliances: list[DraftAlliance] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)


def _firms_at(ctx: Context, start: int, end: int) -> list[tuple[int, str, str]]:
    """(offset, firm id, surface) of the firms named between ``start`` and ``end``; brands count for their owner."""
    found = []
    for m in ctx.names.in_span(start, end, ("firms", "brands")):
        firm = ctx.names.firm_of.get(m.id, m.id) if ctx.names.kinds.get(m.id) == "brands" else m.id
        if ctx.names.kinds.get(m.id) == "firms" or firm != m.id:
            found.append((m.start, firm, m.surface))
    return found


def _distinct(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def _split_roles(sentence: Sentence, pattern: re.Pattern[str], firms: list[tuple[int, str, str]]
                 ) -> tuple[list[str], list[str]] | None:
    """The firms named just before the deal's wording and those after it, for the first wording that
    separates them (a firm on both sides is no help)."""
    for m in pattern.finditer(sentence.text):
        at, after_at = sentence.start + m.start(), sentence.start + m.end()
        before = _distinct([f for pos, f, _ in firms if at - ROLE_WINDOW <= pos < at])
        after = _distinct([f for pos, f, _ in firms if pos >= after_at])
        before = [f for f in before if f not in after]
        if before and after:
            return before, after
    return None


def _status(ctx: Context, sentence: Sentence, kind: str) -> str:
    status = next((s for p, s in ctx.statuses if p.search(sentence.text)), None)
    status = status or str(ctx.rules["deals"]["default_status"].get(kind, "Announced"))
    if status == "Completed" and kind not in TRANSACTIONS:
        status = "Signed"  # only a transaction closes
    return status


def _date_key(ctx: Context, sentence: Sentence, found: FoundDate, status: str) -> str | None:
    before = sentence.text[:found.start]
    for pattern, key in ctx.date_keys:
        if pattern.search(before):
            return key
    return ctx.rules["deals"].get("status_date_key", {}).get(status)


def _add_dates(ctx: Context, deal: DraftDeal, sentence: Sentence, found: list[FoundDate]) -> None:
    for date in found:
        if date.date is None:
            deal.checks.append(f"date not resolved: {date.reason}")
            continue
        key = _date_key(ctx, sentence, date, deal.status)
        if key is None:
            deal.checks.append(f"'{date.surface}' not used: a {deal.status} deal takes no date from it")
            continue
        if key in deal.dates:
            if deal.dates[key] != date.date:
                deal.checks.append(f"'{date.surface}' ({date.date.isoformat()}) not used: {key} is already "
                                   f"{deal.dates[key].isoformat()}")
            continue
        deal.dates[key] = date.date
        if date.reason:
            deal.dates_estimated.append(f"{key}: {date.reason}")


def _domains(ctx: Context, text: str) -> list[str]:
    if ctx.domain_pattern is None:
        return []
    return _distinct([ctx.domains[m.group().lower()] for m in ctx.domain_pattern.finditer(text)])


def _merge(existing: DraftDeal, new: DraftDeal) -> None:
    existing.evidence.extend(q for q in new.evidence if q.quote not in {e.quote for e in existing.evidence})
    existing.domains = _distinct([*existing.domains, *new.domains])
    existing.products = _distinct([*existing.products, *new.products])
    existing.signatories = _distinct([*existing.signatories, *new.signatories])
    for key, date in new.dates.items():
        if key not in existing.dates:
            existing.dates[key] = date
            existing.dates_estimated.extend(r for r in new.dates_estimated if r.startswith(f"{key}:"))
    if existing.value is None and new.value is not None:
        existing.value = new.value
    if new.status != existing.status:
        existing.checks.append(f"another sentence suggests status {new.status}: "
                               f"'{new.evidence[0].quote[:80]}'")
    existing.checks.extend(c for c in new.checks if c not in existing.checks)


def draft_sentences(ctx: Context, sentences: list[Sentence], attributor: Attributor,
                    values: ValueFinder, references: References) -> Draft:
    """Draft the deals and alliances of ``sentences`` (in text order)."""
    draft = Draft()
    official_from = attributor.official_from(ctx.text)
    previous: PartialDate | None = None
    people_ids = {m.id for m in ctx.names.mentions if ctx.names.kinds.get(m.id) == "people"}
    speaking = {m.start for m in ctx.names.mentions if m.id in people_ids}
    alliance: DraftAlliance | None = None
    by_key: dict[tuple[str, frozenset[str], int | None], DraftDeal] = {}
    quotations = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|\"[^\"\n]*\"", ctx.text)]
    for index, sentence in enumerate(sentences):
        firms = _firms_at(ctx, sentence.start, sentence.end)
        # "the two companies": the firms named earlier in this paragraph, or else in the previous one
        recent = _distinct([f for s in sentences[:index] if s.paragraph == sentence.paragraph
                            for _, f, _ in _firms_at(ctx, s.start, s.end)]) or _distinct(
            [f for s in sentences[:index] if s.paragraph == sentence.paragraph - 1
             for _, f, _ in _firms_at(ctx, s.start, s.end)])
        resolved = references.resolve(sentence, recent)
        reference_checks = []
        for pos, ids, phrase in resolved:
            firms += [(pos, f, phrase) for f in ids]
            reference_checks.append(f"'{phrase}' read as {' and '.join(ids)}")
        firms.sort()
        # spoken: inside quotation marks in a paragraph with a speech verb, or naming a person who speaks
        middle = (sentence.start + sentence.end) // 2
        quoted = any(a <= middle < b for a, b in quotations)
        paragraph = " ".join(s.text for s in sentences if s.paragraph == sentence.paragraph)
        names_speaker = any(sentence.start <= p < sentence.end for p in speaking)
        spoken = (quoted and bool(attributor.speech.search(paragraph))) or (
            names_speaker and bool(attributor.speech.search(sentence.text)))
        attribution = attributor.attribute(sentence, spoken, sentence.start >= official_from)
        found_dates = ctx.dates.find(sentence.text, previous)
        for d in found_dates:
            if d.date is not None:
                previous = d.date
        rule = next(((p, k) for p, k in ctx.kinds if p.search(sentence.text)), None)
        if rule is None:
            continue
        pattern, kind_rule = rule
        kind = str(kind_rule["kind"])
        try:
            quote, prefix = unique_quote(ctx.text, sentence)
        except LookupError as exc:
            draft.unresolved.append(str(exc))
            continue
        evidence = DraftQuote(quote, prefix, attribution, sentence.start)
        firm_ids = _distinct([f for _, f, _ in firms])
        names = {f: s.removesuffix("’s").removesuffix("'s") for _, f, s in reversed(firms)}
        status = _status(ctx, sentence, kind)
        made: list[DraftDeal] = []
        if kind_rule.get("founds_alliance") and len(firm_ids) >= 2:
            alliance = DraftAlliance("", "", firm_ids, [evidence], _domains(ctx, sentence.text))
            alliance.names = [names[f] for f in firm_ids]
            draft.alliances.append(alliance)
            made.append(DraftDeal("", kind, "Signed", firm_ids, {}, [evidence], [names[f] for f in firm_ids],
                                  establishes=alliance))
        elif kind_rule.get("joins_alliance"):
            if alliance is None:
                if len(firm_ids) >= 2:
                    made.append(DraftDeal("", "Cooperation", status, firm_ids, {}, [evidence],
                                          [names[f] for f in firm_ids],
                                          checks=["the text speaks of joining an alliance the draft did not find"]))
            else:
                for member in [f for f in firm_ids if f not in alliance.founders]:
                    made.append(DraftDeal("", kind, status, [], {"member": [member]}, [evidence], [names[member]],
                                          alliance=alliance))
        elif kind_rule.get("roles"):
            role_before, role_after = (str(r) for r in kind_rule["roles"])
            split = _split_roles(sentence, pattern, firms)
            if split:
                made.append(DraftDeal("", kind, status, [], {role_before: split[0], role_after: split[1]},
                                      [evidence], [names[f] for f in firm_ids]))
            elif len(firm_ids) == 2:
                made.append(DraftDeal("", kind, status, [], {role_before: [firm_ids[0]], role_after: [firm_ids[1]]},
                                      [evidence], [names[f] for f in firm_ids],
                                      checks=[f"{role_before} and {role_after} guessed from the order of the names"]))
            elif len(firm_ids) > 2:
                made.append(DraftDeal("", "Cooperation", status, firm_ids, {}, [evidence],
                                      [names[f] for f in firm_ids],
                                      checks=[f"a {kind}? the draft could not tell the {role_before} from the "
                                              f"{role_after}"]))
        elif len(firm_ids) >= 2:
            made.append(DraftDeal("", kind, status, firm_ids, {}, [evidence], [names[f] for f in firm_ids]))
        for deal in made:
            deal.checks.extend(reference_checks)
            deal.domains = _domains(ctx, sentence.text)
            deal.products = _distinct([m.id for m in ctx.names.in_span(sentence.start, sentence.end, ("products",))])
            if re.search(r"\bsign", sentence.text, re.IGNORECASE) and deal.kind != "AllianceMembership":
                deal.signatories = _distinct([m.id for m in ctx.names.in_span(sentence.start, sentence.end,
                                                                                ("people",))])
                if deal.signatories:
                    deal.checks.append("signatories: the people named in a sentence that says 'signed'")
            found_value = values.find(sentence.text)
            if found_value:
                deal.value, value_checks = found_value
                deal.checks.extend(value_checks)
            _add_dates(ctx, deal, sentence, found_dates)
            if deal.establishes is not None:
                deal.establishes.founded = deal.dates.get("signed")
            key = (deal.kind, deal.all_firms(), id(deal.alliance) if deal.alliance else None)
            if key in by_key and not deal.establishes:
                _merge(by_key[key], deal)
            else:
                by_key[key] = deal
                draft.deals.append(deal)
    return draft
