"""The building blocks of pages: links with labels, dates at their precision, evidence quotes, deal rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.records import MONTHS
from kg.vocab import AA, DEAL_KINDS, ROLES

from .describe import iri
from .kgview import OA, RDFS, KGView, Node, Value, term
from .urls import evidence_url, resource_url

XSD = "http://www.w3.org/2001/XMLSchema#"
PRECISION = {XSD + "gYear": "year", XSD + "gYearMonth": "month", XSD + "date": "day", XSD + "dateTime": "day"}
DATE_PROPERTIES = (
    ("announced", "announcedOn"),
    ("signed", "signedOn"),
    ("starts", "startsOn"),
    ("ended", "endedOn"),
    ("founded", "foundedOn"),
)
DEAL_CLASSES = {str(AA[kind]) for kind in ("Deal", *DEAL_KINDS)}
EVIDENCE_IRI = re.compile(r"/evidence/(\d+)-(\d+)$")


@dataclass(frozen=True)
class Link:
    """A resource as pages show it: its label, where it links to, and its IRI."""

    label: str
    href: str
    iri: str


@dataclass(frozen=True)
class DateValue:
    """A date literal with its precision (``year``, ``month`` or ``day``), the datatype that carries it."""

    lexical: str
    precision: str
    datatype: str

    @property
    def display(self) -> str:
        """The date in words at its precision: ``2014``, ``June 2012``, ``12 June 2012``."""
        parts = self.lexical.split("-")
        try:
            if self.precision == "month" and len(parts) >= 2:
                return f"{MONTHS[int(parts[1]) - 1]} {parts[0]}"
            if self.precision == "day" and len(parts) >= 3:
                return f"{int(parts[2][:2])} {MONTHS[int(parts[1]) - 1]} {parts[0]}"
        except (ValueError, IndexError):
            pass
        return self.lexical


@dataclass(frozen=True)
class Evidence:
    """One quote that states a fact: its text, offsets, attribution and source document."""

    iri: str
    quote: str
    start: int | None
    end: int | None
    attribution: str
    document: Link | None
    href: str


@dataclass
class DealRow:
    """A deal as listed on firm, domain, person and home pages."""

    link: Link
    kind: str
    status: str
    dates: list[tuple[str, DateValue]]
    parties: list[tuple[Link, list[str]]]
    domains: list[Link]
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def first_date(self) -> DateValue | None:
        """The earliest of the deal's dates (by lexical order, which respects the calendar)."""
        return min((d for _, d in self.dates), key=lambda d: d.lexical, default=None)


def link(kv: KGView, node: Value) -> Link:
    """The ``Link`` of ``node`` (a literal links nowhere)."""
    if isinstance(node, ox.Literal):
        return Link(node.value, "", "")
    name = node.value if isinstance(node, ox.NamedNode) else str(node)
    href = resource_url(name) if isinstance(node, ox.NamedNode) else ""
    return Link(kv.label(node), href, name)


def iri_link(iri: str, label: str) -> Link:
    """The ``Link`` of a resource known by its IRI and label (from the site data, without reading the store)."""
    return Link(label, resource_url(iri), iri)


def links(kv: KGView, nodes: Iterable[Value]) -> list[Link]:
    """``Link`` for each node, sorted by label."""
    return [link(kv, n) for n in kv.sorted_by_label(nodes)]


def date_value(node: Value | None) -> DateValue | None:
    """The ``DateValue`` of a date literal, or ``None``."""
    if not isinstance(node, ox.Literal):
        return None
    datatype = node.datatype.value if node.datatype else ""
    return DateValue(node.value, PRECISION.get(datatype, "unknown"), datatype)


def humanize(name: str) -> str:
    """``MemorandumOfUnderstanding`` -> ``memorandum of understanding``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


def concept_label(kv: KGView, node: Value | None) -> str:
    """The label of a controlled value or class, or its local name in words."""
    if node is None:
        return ""
    label = kv.label(node)
    return humanize(label) if isinstance(node, ox.NamedNode) and node.value.endswith("#" + label) else label


def deal_kind(kv: KGView, deal: Node) -> str:
    """The most specific kind of ``deal`` among the ``aa:`` deal classes."""
    kinds = sorted(t for t in kv.types(deal) if t in DEAL_CLASSES and t != str(AA.Deal))
    return concept_label(kv, ox.NamedNode(kinds[0])) if kinds else "deal"


def dates(kv: KGView, node: Node) -> list[tuple[str, DateValue]]:
    """The dates of a deal, alliance or investigation: ``[("signed", DateValue), ...]``."""
    found = []
    for label, prop in DATE_PROPERTIES:
        for literal in kv.objects(node, iri(AA[prop])):
            value = date_value(literal)
            if value:
                found.append((label, value))
    return found


def parties(kv: KGView, deal: Node) -> list[tuple[Link, list[str]]]:
    """The firms of ``deal`` with their roles (``party`` alone when no specific role is given)."""
    roles: dict[Value, list[str]] = {}
    for role in ROLES:
        for firm in kv.objects(deal, iri(AA[role])):
            roles.setdefault(firm, []).append(role)
    for firm in kv.objects(deal, iri(AA.party)):
        roles.setdefault(firm, [])
    return [(link(kv, firm), roles[firm]) for firm in kv.sorted_by_label(roles)]


def party_nodes(kv: KGView, deal: Node) -> set[Value]:
    """Every firm of ``deal`` in any role."""
    return {o for role in ("party", *ROLES) for o in kv.objects(deal, iri(AA[role]))}


def evidence(kv: KGView, ev: Value) -> Evidence:
    """The ``Evidence`` of the evidence node ``ev``: quote, offsets, attribution, document."""
    quote, start, end = "", None, None
    for selector in kv.objects(ev, term(OA, "hasSelector")):
        exact = kv.value(selector, term(OA, "exact"))
        if isinstance(exact, ox.Literal):
            quote = exact.value
        s, e = kv.value(selector, term(OA, "start")), kv.value(selector, term(OA, "end"))
        if isinstance(s, ox.Literal) and isinstance(e, ox.Literal):
            start, end = int(s.value), int(e.value)
    ev_iri = ev.value if isinstance(ev, ox.NamedNode) else str(ev)
    match = EVIDENCE_IRI.search(ev_iri)
    if start is None and match:
        start, end = int(match[1]), int(match[2])
    source = kv.value(ev, term(OA, "hasSource"))
    attribution = concept_label(kv, kv.value(ev, iri(AA.attribution)))
    document = link(kv, source) if source else None
    return Evidence(ev_iri, quote, start, end, attribution, document, evidence_url(ev_iri))


def evidence_of(kv: KGView, node: Node) -> list[Evidence]:
    """The evidence quotes of ``node``, in document and text order."""
    nodes = kv.objects(node, iri(AA.evidence))
    kv.prefetch(nodes)
    kv.prefetch(o for ev in nodes for prop in ("hasSelector", "hasSource") for o in kv.objects(ev, term(OA, prop)))
    found = [evidence(kv, ev) for ev in nodes]
    return sorted(found, key=lambda e: (e.document.label if e.document else "", e.start or 0))


def deal_row(kv: KGView, deal: Node, with_evidence: bool = True) -> DealRow:
    """The ``DealRow`` of ``deal``."""
    status = kv.value(deal, iri(AA.status))
    return DealRow(
        link=link(kv, deal),
        kind=deal_kind(kv, deal),
        status=concept_label(kv, status),
        dates=dates(kv, deal),
        parties=parties(kv, deal),
        domains=links(kv, kv.objects(deal, iri(AA.domain))),
        evidence=evidence_of(kv, deal) if with_evidence else [],
    )


def deal_rows(kv: KGView, deals: set[Value], with_evidence: bool = True) -> list[DealRow]:
    """Rows for ``deals``, ordered by first date then label."""
    kv.prefetch(deals)
    rows = [deal_row(kv, d, with_evidence) for d in deals if not isinstance(d, ox.Literal)]
    return sorted(rows, key=lambda r: (r.first_date.lexical if r.first_date else "9999", r.link.label))


def all_deals(kv: KGView) -> set[Value]:
    """Every node typed with one of the deal classes."""
    from .kgview import RDF_TYPE

    return {
        t.subject
        for cls in DEAL_CLASSES
        for t in kv.triples(None, RDF_TYPE, ox.NamedNode(cls))
        if not isinstance(t.subject, ox.Triple)
    }


def comment(kv: KGView, node: Node) -> str:
    """The ``rdfs:comment`` of ``node`` or ``""``."""
    value = kv.value(node, term(RDFS, "comment"))
    return value.value if isinstance(value, ox.Literal) else ""
