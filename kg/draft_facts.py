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
NOUN_USE = re.compile(r"\s+(?:deal|agreement|contract|talks|pact|accord|group)\b")
ROLE_WINDOW = 70  # characters before a deal's wording in which its first role (supplier, acquirer...) is named


@dataclass
class DraftQuote:
    quote: str
    prefix: str | None
    suffix: str | None
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
    names: list[str]  # the words the text uses for the firms, for the label
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
            rf"|{number.replace('number', 'number2')}\s?(?P<mult2>{mult})?\s(?P<word>{words})\b)",
            re.IGNORECASE,
        )

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
            if bound in ("max", "min"):
                return {bound: amount, "currency": currency}, []
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
        self.domain_pattern = (
            re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.IGNORECASE)
            if words
            else None
        )


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


def _split_roles(
    sentence: Sentence, pattern: re.Pattern[str], firms: list[tuple[int, str, str]]
) -> tuple[list[str], list[str]] | None:
    """The firms named just before the deal's wording and those after it, for the first wording that
    separates them (a firm on both sides is no help)."""
    for m in pattern.finditer(sentence.text):
        if NOUN_USE.match(sentence.text, m.end()):
            continue  # "a supply deal with X" says nothing of who supplies whom
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


def _date_key(ctx: Context, sentence: Sentence, found: FoundDate, deal: DraftDeal) -> str | None:
    before = sentence.text[: found.start]
    for pattern, key in ctx.date_keys:
        if pattern.search(before):
            return key
    deals = ctx.rules["deals"]
    return (deals.get("kind_date_key") or {}).get(deal.kind) or (deals.get("status_date_key") or {}).get(deal.status)


def _in_order(deal: DraftDeal, key: str, date: PartialDate, order: list[list[str]]) -> str | None:
    """Why ``date`` cannot be the deal's ``key`` (it would come before a date that must precede it), or None."""
    for first, second in order:
        other = deal.dates.get(second if key == first else first) if key in (first, second) else None
        if other is None:
            continue
        a, b = (date, other) if key == first else (other, date)
        n = min(len(a.isoformat()), len(b.isoformat()))
        if b.isoformat()[:n] < a.isoformat()[:n]:
            return f"'{second}' cannot come before '{first}'"
    return None


def _add_dates(ctx: Context, deal: DraftDeal, sentence: Sentence, found: list[FoundDate]) -> None:
    for date in found:
        if date.date is None:
            deal.checks.append(f"date not resolved: {date.reason}")
            continue
        key = _date_key(ctx, sentence, date, deal)
        if key is None:
            deal.checks.append(f"'{date.surface}' not used: a {deal.status} deal takes no date from it")
            continue
        if key in deal.dates:
            if deal.dates[key] != date.date:
                deal.checks.append(
                    f"'{date.surface}' ({date.date.isoformat()}) not used: {key} is already "
                    f"{deal.dates[key].isoformat()}"
                )
            continue
        conflict = _in_order(deal, key, date.date, ctx.rules["deals"].get("date_order") or [])
        if conflict:
            deal.checks.append(f"'{date.surface}' ({date.date.isoformat()}) not used as {key}: {conflict}")
            continue
        deal.dates[key] = date.date
        if date.reason:
            deal.dates_estimated.append(f"{key}: {date.reason}")


def _domains(ctx: Context, text: str) -> list[str]:
    if ctx.domain_pattern is None:
        return []
    return _distinct([ctx.domains[m.group().lower()] for m in ctx.domain_pattern.finditer(text)])


GUESSED_ROLES = "guessed from the order of the names"


def _merge(existing: DraftDeal, new: DraftDeal, order: list[list[str]]) -> None:
    guessed = [c for c in existing.checks if c.endswith(GUESSED_ROLES)]
    if guessed and new.roles and not any(c.endswith(GUESSED_ROLES) for c in new.checks):
        existing.roles = new.roles  # roles read from the wording beat roles guessed from the order
        existing.checks = [c for c in existing.checks if c not in guessed]
    existing.evidence.extend(q for q in new.evidence if q.start not in {e.start for e in existing.evidence})
    existing.domains = _distinct([*existing.domains, *new.domains])
    existing.products = _distinct([*existing.products, *new.products])
    existing.signatories = _distinct([*existing.signatories, *new.signatories])
    for key, date in new.dates.items():
        if key not in existing.dates and not _in_order(existing, key, date, order):
            existing.dates[key] = date
            existing.dates_estimated.extend(r for r in new.dates_estimated if r.startswith(f"{key}:"))
    if existing.value is None and new.value is not None:
        existing.value = new.value
    if new.status != existing.status:
        existing.checks.append(f"another sentence suggests status {new.status}: '{new.evidence[0].quote[:80]}'")
    existing.checks.extend(c for c in new.checks if c not in existing.checks)


CLAUSE_BREAK = re.compile(r",\s+(?:and|but|while|whereas)\s+(?=[a-z])|;\s+")  # not in "X, Y, and Z"
SPECIFIC_KINDS_ONLY = {"Cooperation", "CollaborationAgreement"}  # too general to attach a sentence by kind alone


@dataclass
class Clause:
    """A clause of a sentence: its span in the document, the firms it names (with where), its wording."""

    start: int
    end: int
    text: str
    firms: list[tuple[int, str, str]]
    checks: list[str]


def _clauses(ctx: Context, sentence: Sentence, firms: list[tuple[int, str, str]], checks: list[str]) -> list[Clause]:
    """The clauses of a sentence that states several facts ("X sold its stake in Y, and the alliance between
    Z and W also broke"); a clause without a firm takes those of the clause before it ("..., and the
    cooperation involves ...")."""
    cuts = [sentence.start, *(sentence.start + m.end() for m in CLAUSE_BREAK.finditer(sentence.text)), sentence.end]
    clauses: list[Clause] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        own = [f for f in firms if a <= f[0] < b]
        if not own and clauses:
            own = [(a, f, s) for _, f, s in clauses[-1].firms]
        clauses.append(Clause(a, b, ctx.text[a:b], own, checks))
    return clauses


def _new_deals(
    ctx: Context,
    clause: Clause,
    pattern: re.Pattern[str],
    kind_rule: dict[str, Any],
    status: str,
    evidence: DraftQuote,
    alliance: DraftAlliance | None,
) -> list[DraftDeal]:
    kind = str(kind_rule["kind"])
    firm_ids = _distinct([f for _, f, _ in clause.firms])
    names = {f: ctx.names.short_names.get(f, s).removesuffix("’s").removesuffix("'s") for _, f, s in clause.firms}
    label_names = [names[f] for f in firm_ids]
    if kind_rule.get("joins_alliance"):
        if alliance is not None:
            return [
                DraftDeal("", kind, status, [], {"member": [m]}, [evidence], [names[m]], alliance=alliance)
                for m in firm_ids
                if m not in alliance.founders
            ]
        if len(firm_ids) >= 2:
            return [
                DraftDeal(
                    "",
                    "Cooperation",
                    status,
                    firm_ids,
                    {},
                    [evidence],
                    label_names,
                    checks=["the text speaks of joining an alliance the draft did not find"],
                )
            ]
        return []
    if kind_rule.get("roles"):
        first, second = (str(r) for r in kind_rule["roles"])
        sentence = Sentence(clause.start, clause.end, clause.text, 0)
        split = _split_roles(sentence, pattern, clause.firms)
        if split:
            return [DraftDeal("", kind, status, [], {first: split[0], second: split[1]}, [evidence], label_names)]
        if len(firm_ids) == 2:
            return [
                DraftDeal(
                    "",
                    kind,
                    status,
                    [],
                    {first: [firm_ids[0]], second: [firm_ids[1]]},
                    [evidence],
                    label_names,
                    checks=[f"{first} and {second} {GUESSED_ROLES}"],
                )
            ]
        if len(firm_ids) > 2:
            return [
                DraftDeal(
                    "",
                    "Cooperation",
                    status,
                    firm_ids,
                    {},
                    [evidence],
                    label_names,
                    checks=[f"a {kind}? the draft could not tell the {first} from the {second}"],
                )
            ]
        return []
    if kind_rule.get("every_firm_is") and len(firm_ids) >= 2:  # cross-shareholdings: each holds the others
        return [
            DraftDeal(
                "",
                kind,
                status,
                [],
                {str(r): list(firm_ids) for r in kind_rule["every_firm_is"]},
                [evidence],
                label_names,
            )
        ]
    if len(firm_ids) >= 2:
        return [DraftDeal("", kind, status, firm_ids, {}, [evidence], label_names)]
    return []


def _fill(
    ctx: Context, deal: DraftDeal, clause: Clause, sentence: Sentence, found_dates: list[FoundDate], values: ValueFinder
) -> None:
    """Domains, products, signatories, value and dates of a deal from its clause."""
    deal.checks.extend(clause.checks)
    # "Daimler's Car2Go and BMW's DriveNow ... were merged": the possessive names a unit of the party
    parents = {
        f: str(ctx.registry.entries[f].fields.get("parent"))
        for f in deal.parties
        if f in ctx.registry.entries and ctx.registry.entries[f].fields.get("parent")
    }
    owned = {f for pos, f, _ in clause.firms if re.search(r"['’]s\s+$", ctx.text[max(0, pos - 3) : pos])}
    units = [f for f, parent in parents.items() if parent in deal.parties and f in owned]
    if units and len(deal.parties) - len(units) >= 2:
        deal.parties = [f for f in deal.parties if f not in units]
        deal.checks.append(f"{', '.join(units)} counted as part of {', '.join(parents[u] for u in units)} (parent)")
    deal.domains = _domains(ctx, clause.text)
    deal.products = _distinct([m.id for m in ctx.names.in_span(clause.start, clause.end, ("products",))])
    if re.search(r"\bsign", clause.text, re.IGNORECASE) and deal.kind != "AllianceMembership":
        deal.signatories = _distinct([m.id for m in ctx.names.in_span(clause.start, clause.end, ("people",))])
        if deal.signatories:
            deal.checks.append("signatories: the people named in a sentence that says 'signed'")
    found_value = values.find(clause.text)
    if found_value:
        deal.value, value_checks = found_value
        deal.checks.extend(value_checks)
    offset = clause.start - sentence.start
    in_clause = [d for d in found_dates if offset <= d.start < offset + len(clause.text)]
    _add_dates(ctx, deal, sentence, in_clause)


def _signing_firms(ctx: Context, sentence: Sentence) -> list[tuple[int, str, str]]:
    """The firms of the people a sentence says signed something ("Reithofer and Toyoda ... signed")."""
    if not re.search(r"\bsign", sentence.text, re.IGNORECASE):
        return []
    found = []
    for m in ctx.names.in_span(sentence.start, sentence.end, ("people",)):
        entry = ctx.registry.entries.get(m.id)
        firm = entry.fields.get("affiliation") if entry else None
        if firm:
            found.append((m.start, str(firm), ctx.names.short_names.get(str(firm), str(firm))))
    return found


def _alliance_for(alliances: list[tuple[int, DraftAlliance]], index: int) -> DraftAlliance | None:
    """The alliance founded most recently before sentence ``index``, or else the first one the text founds."""
    before = [a for i, a in alliances if i <= index]
    return before[-1] if before else (alliances[0][1] if alliances else None)


def draft_sentences(
    ctx: Context, sentences: list[Sentence], attributor: Attributor, values: ValueFinder, references: References
) -> Draft:
    """Draft the deals and alliances of ``sentences`` (in text order)."""
    draft = Draft()
    official_from = attributor.official_from(ctx.text)
    people_ids = {m.id for m in ctx.names.mentions if ctx.names.kinds.get(m.id) == "people"}
    speaking = {m.start for m in ctx.names.mentions if m.id in people_ids}
    quotations = [(m.start(), m.end()) for m in re.finditer(r"“[^”]*”|\"[^\"\n]*\"", ctx.text)]
    countries = {e.id: str(e.fields.get("country") or "") for e in ctx.registry.of_kind("firms")}
    by_key: dict[tuple[str, frozenset[str], int | None, bool], DraftDeal] = {}
    last_of_kind: dict[str, DraftDeal] = {}
    paragraphs_of: dict[int, set[int]] = {}  # the paragraphs each drafted deal has evidence from
    merge_nearby = set(ctx.rules["deals"].get("merge_into_nearby") or [])
    order = ctx.rules["deals"].get("date_order") or []
    sentence_firms: list[list[str]] = []
    previous: PartialDate | None = None
    pending: list[tuple[int, Clause, Sentence, re.Pattern[str], dict[str, Any], str, DraftQuote, list[FoundDate]]] = []
    alliances: list[tuple[int, DraftAlliance]] = []
    for index, sentence in enumerate(sentences):
        firms = _firms_at(ctx, sentence.start, sentence.end) + _signing_firms(ctx, sentence)
        # "the two companies": the firms of this paragraph so far, or else of the previous one
        same = [
            f for i, s in enumerate(sentences[:index]) if s.paragraph == sentence.paragraph for f in sentence_firms[i]
        ]
        before = [
            f
            for i, s in enumerate(sentences[:index])
            if s.paragraph == sentence.paragraph - 1
            for f in sentence_firms[i]
        ]
        recent = _distinct(same) or _distinct(before)
        checks = []
        for pos, ids, phrase in references.resolve(sentence, recent, countries):
            firms += [(pos, f, phrase) for f in ids]
            checks.append(f"'{phrase}' read as {' and '.join(ids)}")
        firms.sort()
        sentence_firms.append(_distinct([f for _, f, _ in firms]))
        # spoken: inside quotation marks in a paragraph with a speech verb, or naming a person who speaks
        middle = (sentence.start + sentence.end) // 2
        quoted = any(a <= middle < b for a, b in quotations)
        paragraph = " ".join(s.text for s in sentences if s.paragraph == sentence.paragraph)
        names_speaker = any(sentence.start <= p < sentence.end for p in speaking)
        spoken = (quoted and bool(attributor.speech.search(paragraph))) or (
            names_speaker and bool(attributor.speech.search(sentence.text))
        )
        attribution = attributor.attribute(sentence, spoken, sentence.start >= official_from)
        found_dates = ctx.dates.find(sentence.text, previous)
        for d in found_dates:
            if d.date is not None:
                previous = d.date
        evidence: DraftQuote | None = None
        for clause in _clauses(ctx, sentence, firms, checks):
            rule = next(((p, k) for p, k in ctx.kinds if p.search(clause.text)), None)
            if rule is None:
                continue
            if evidence is None:
                try:
                    quote, prefix, suffix = unique_quote(ctx.text, sentence)
                except LookupError as exc:
                    draft.unresolved.append(str(exc))
                    break
                evidence = DraftQuote(quote, prefix, suffix, attribution, sentence.start)
            status = _status(ctx, Sentence(clause.start, clause.end, clause.text, 0), str(rule[1]["kind"]))
            if rule[1].get("founds_alliance") and len({f for _, f, _ in clause.firms}) >= 2:
                founders = _distinct([f for _, f, _ in clause.firms])
                founded = DraftAlliance("", "", founders, [evidence], _domains(ctx, clause.text))
                founded.names = [ctx.names.short_names.get(f, f) for f in founders]
                alliances.append((index, founded))
                draft.alliances.append(founded)
            pending.append((index, clause, sentence, rule[0], rule[1], status, evidence, found_dates))
    for index, clause, sentence, pattern, kind_rule, status, evidence, found_dates in pending:
        kind = str(kind_rule["kind"])
        alliance = _alliance_for(alliances, index)
        if kind_rule.get("founds_alliance") and alliance is not None and evidence in alliance.evidence:
            made = [
                DraftDeal(
                    "", kind, "Signed", list(alliance.founders), {}, [evidence], alliance.names, establishes=alliance
                )
            ]
        else:
            made = _new_deals(ctx, clause, pattern, kind_rule, status, evidence, alliance)
        if not made and kind not in SPECIFIC_KINDS_ONLY and kind in last_of_kind:
            # "We signed an MoU to this effect today.": no firm named, but the text's MoU is known
            extra = DraftDeal("", kind, status, [], {}, [evidence], [])
            _fill(ctx, extra, clause, sentence, found_dates, values)
            extra.domains, extra.products = [], []
            _merge(last_of_kind[kind], extra, order)
            continue
        for deal in made:
            _fill(ctx, deal, clause, sentence, found_dates, values)
            if deal.establishes is not None:
                deal.establishes.founded = deal.dates.get("signed")
            key = (deal.kind, deal.all_firms(), id(deal.alliance) if deal.alliance else None, deal.status == "Rumoured")
            near = [
                d
                for (k, firms, _, rumoured), d in by_key.items()
                if firms == deal.all_firms() and not rumoured and sentence.paragraph in paragraphs_of.get(id(d), set())
            ]
            if deal.kind in merge_nearby and key not in by_key and near and deal.status != "Rumoured":
                deal.checks.append(f"'{evidence.quote[:60]}' read as more about the {near[0].kind} above")
                _merge(near[0], deal, order)
                continue
            if key in by_key and not deal.establishes:
                _merge(by_key[key], deal, order)
                paragraphs_of[id(by_key[key])].add(sentence.paragraph)
            else:
                by_key[key] = deal
                paragraphs_of[id(deal)] = {sentence.paragraph}
                draft.deals.append(deal)
            last_of_kind[deal.kind] = by_key[key]
    return draft
