"""Typed records read from the annotation and registry files: what ``kg.annotations`` produces."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

# What each kind of item is called in messages ("unknown firm 'x'"), by the key it is listed under.
KIND_NAMES = {
    "firms": "firm",
    "brands": "brand",
    "authorities": "authority",
    "people": "person",
    "products": "product",
    "deals": "deal",
    "alliances": "alliance",
    "investigations": "investigation",
    "domains": "technology domain",
}


class Loc(NamedTuple):
    """Where a value was written: 1-based line and column, as editors show them."""

    path: str
    line: int
    col: int


# English month names, for dates in words ("June 2012") wherever the project writes them.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


class PartialDate(NamedTuple):
    """A date at the precision the text gives: year, year-month or a full day."""

    year: int
    month: int | None = None
    day: int | None = None

    def isoformat(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    @property
    def datatype(self) -> str:
        """The local name of the XSD datatype that carries this precision."""
        if self.day is not None:
            return "date"
        return "gYearMonth" if self.month is not None else "gYear"


@dataclass(frozen=True)
class Quote:
    """An evidence quote as written by the annotator, before it is anchored in the text."""

    exact: str
    attribution: str
    loc: Loc
    prefix: str | None = None
    suffix: str | None = None
    speaker: str | None = None  # a person of the registry whose words the quote reports


@dataclass(frozen=True)
class Value:
    """A deal's monetary value: exactly one of ``amount``, ``max`` and ``min``, as decimal text."""

    currency: str
    amount: str | None = None  # exact value
    max: str | None = None  # "up to"
    min: str | None = None  # "more than", "at least"
    shared: str | None = None  # slug of an amount stated once for several deals


@dataclass
class Deal:
    id: str
    kind: str
    label: str
    status: str
    doc_id: str
    loc: Loc
    parties: list[str] = field(default_factory=list)
    roles: dict[str, list[str]] = field(default_factory=dict)
    domains: list[str] = field(default_factory=list)
    products: list[str] = field(default_factory=list)
    # announced, signed, signed_on_or_before, completed, starts, ended
    dates: dict[str, PartialDate] = field(default_factory=dict)
    dates_estimated: str | None = None
    signatories: list[str] = field(default_factory=list)
    expands: list[str] = field(default_factory=list)
    part_of: list[str] = field(default_factory=list)
    formalises: list[str] = field(default_factory=list)
    reaffirms: list[str] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)
    alliance: str | None = None
    establishes: str | None = None
    merges: list[str] = field(default_factory=list)
    creates: list[str] = field(default_factory=list)
    declined_to_comment: list[str] = field(default_factory=list)
    unnamed_parties: int | None = None
    exclusive: bool | None = None
    third_party_licensing: bool | None = None
    headcount: int | None = None
    automation_level: int | None = None
    value: Value | None = None
    note: str | None = None
    evidence: list[Quote] = field(default_factory=list)

    def links(self) -> dict[str, list[str]]:
        """The deals this deal links to, by format key (expands, part_of, formalises, reaffirms, ends)."""
        return {
            "expands": self.expands,
            "part_of": self.part_of,
            "formalises": self.formalises,
            "reaffirms": self.reaffirms,
            "ends": self.ends,
        }

    def all_parties(self) -> list[str]:
        """Every firm of the deal, plain parties first, then by role, without repeats."""
        seen: dict[str, None] = dict.fromkeys(self.parties)
        for firms in self.roles.values():
            seen.update(dict.fromkeys(firms))
        return list(seen)


@dataclass
class DealRef:
    """A deal defined in another document and stated in this one too: only its evidence lives here."""

    ref: str
    doc_id: str
    loc: Loc
    evidence: list[Quote] = field(default_factory=list)


@dataclass
class Alliance:
    id: str
    label: str
    doc_id: str
    loc: Loc
    domains: list[str] = field(default_factory=list)
    founded: PartialDate | None = None
    automation_level: int | None = None
    note: str | None = None
    evidence: list[Quote] = field(default_factory=list)


@dataclass
class Investigation:
    id: str
    kind: str
    label: str
    status: str
    by: str
    doc_id: str
    loc: Loc
    investigates: list[str] = field(default_factory=list)
    concerns: list[str] = field(default_factory=list)
    started: PartialDate | None = None
    note: str | None = None
    evidence: list[Quote] = field(default_factory=list)


@dataclass
class Document:
    id: str
    text: str
    title: str
    publisher: str
    issued: PartialDate
    language: str
    loc: Loc
    issued_estimated: str | None = None
    url: str | None = None
    deals: list[Deal] = field(default_factory=list)
    refs: list[DealRef] = field(default_factory=list)
    alliances: list[Alliance] = field(default_factory=list)
    investigations: list[Investigation] = field(default_factory=list)


@dataclass
class Entity:
    """A registry entry: a firm, brand, authority, person or product."""

    kind: str  # "firms", "brands", "authorities", "people", "products"
    id: str
    label: str
    loc: Loc
    fields: dict[str, object] = field(default_factory=dict)


@dataclass
class Corpus:
    """Everything the annotation files say, checked and cross-referenced."""

    documents: list[Document]
    registry: list[Entity]

    def entities(self, kind: str) -> dict[str, Entity]:
        return {e.id: e for e in self.registry if e.kind == kind}
