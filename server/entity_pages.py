"""What each kind of page shows: the data of firm, deal, domain, person, document and other resource pages.

Each ``*_page`` function returns a dict for its template; all reads go through ``KGView`` (triple patterns).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.texts import read_text
from kg.vocab import AA

from .describe import iri
from .document_text import segments
from .kgview import DCTERMS, OWL_SAME_AS, RDF_TYPE, SCHEMA, SKOS, KGView, Value, local_name, term
from .network import Network, network_of
from .page_data import (
    DealRow,
    Link,
    comment,
    concept_label,
    date_value,
    deal_row,
    deal_rows,
    evidence,
    evidence_of,
    iri_link,
    link,
    links,
)
from .paging import Page, paginate
from .site_data import index_db
from .urls import local_path, resource_url

WIKIDATA = "http://www.wikidata.org/entity/"
# Annotation keys that reasons written by annotators may refer to, in the words pages use for them.
ANNOTATION_KEYS = {
    "issued_estimated": "the estimated publication date of the source",
    "dates_estimated": "the estimated dates",
    "issued": "the publication date of the source",
}
ANNOTATION_KEY = re.compile(r"\b(" + "|".join(sorted(ANNOTATION_KEYS, key=len, reverse=True)) + r")\b")


def readable_reason(text: str) -> str:
    """A date estimate's reason with annotation keys (``issued_estimated``) put in words."""
    return ANNOTATION_KEY.sub(lambda m: ANNOTATION_KEYS[m[1]], text)


def literals(kv: KGView, node: Value, prop: ox.NamedNode) -> list[str]:
    """The lexical values of the literal objects of ``node prop``."""
    return sorted({o.value for o in kv.objects(node, prop) if isinstance(o, ox.Literal)})


def first_literal(kv: KGView, node: Value, prop: ox.NamedNode) -> str:
    """One literal value of ``node prop`` or ``""``."""
    values = literals(kv, node, prop)
    return values[0] if values else ""


DEALS_PER_PAGE = 20
PARTNERS_PER_PAGE = 50
TOP_PARTNERS = 12  # the partners drawn in a firm's network: those it shares the most deals with


DEAL_ORDER = "ORDER BY (r.date = '') ASC, r.date ASC, r.sort_label ASC, r.iri ASC"  # undated last


def paged_deals(kv: KGView, source: str, params: list[str], param: str = "page") -> tuple[list[DealRow], Page]:
    """One page (``?<param>=N``) of the deals that the SQL ``source`` selects (as ``deal``) from the index,
    ordered by first date then label, as rows; and the ``Page``."""
    db = index_db()
    joined = f"FROM (SELECT DISTINCT deal FROM ({source})) s JOIN resource r ON r.iri = s.deal AND r.kind = 'deal'"
    total = db.execute(f"SELECT COUNT(*) {joined}", params).fetchone()[0]
    page = paginate(total, DEALS_PER_PAGE, param)
    chosen = [
        row[0]
        for row in db.execute(f"SELECT r.iri {joined} {DEAL_ORDER} LIMIT ? OFFSET ?", [*params, page.size, page.offset])
    ]
    position = {iri: i for i, iri in enumerate(chosen)}
    rows = deal_rows(kv, {ox.NamedNode(iri) for iri in chosen})
    return sorted(rows, key=lambda r: position.get(r.link.iri, 0)), page


def indexed_links(query: str, params: list[str]) -> list[Link]:
    """Links to the resources (``iri``, ``label``) that the SQL ``query`` selects from the index, by label."""
    rows = index_db().execute(query, params).fetchall()
    return sorted((iri_link(row["iri"], row["label"]) for row in rows), key=lambda x: (x.label.casefold(), x.iri))


def _marks(values: list[str]) -> str:
    return ",".join("?" * len(values))


def firm_partners(firm: ox.NamedNode) -> tuple[list[tuple[Link, int]], Page, list[Link]]:
    """A page (``?partners=N``) of the firm's partners with the number of deals they share, most first; the
    ``Page``; and the top partners for the network picture."""
    db = index_db()
    total = db.execute("SELECT COUNT(*) FROM partner WHERE firm = ?", [firm.value]).fetchone()[0]
    page = paginate(total, PARTNERS_PER_PAGE, "partners")
    query = (
        "SELECT p.partner, coalesce(r.label, p.partner) AS label, p.deals FROM partner p "
        "LEFT JOIN resource r ON r.iri = p.partner WHERE p.firm = ? "
        "ORDER BY p.deals DESC, r.sort_label ASC, p.partner ASC LIMIT ? OFFSET ?"
    )
    rows = db.execute(query, [firm.value, page.size, page.offset]).fetchall()
    top = db.execute(query, [firm.value, TOP_PARTNERS, 0]).fetchall()
    partners = [(iri_link(row["partner"], row["label"]), row["deals"]) for row in rows]
    return partners, page, [iri_link(row["partner"], row["label"]) for row in top]


def ego_network(kv: KGView, firm: ox.NamedNode, top: list[Link]) -> Network:
    """The network of ``firm`` and its ``top`` partners, with the partnerships among them (from the index)."""
    members = [link(kv, firm), *top]
    iris = [m.iri for m in members]
    pairs = (
        index_db()
        .execute(
            f"SELECT firm, partner FROM partner WHERE firm IN ({_marks(iris)}) AND partner IN ({_marks(iris)})",
            [*iris, *iris],
        )
        .fetchall()
    )
    return network_of(members, [(a, b) for a, b in pairs], focus=firm.value)


def firm_page(kv: KGView, firm: ox.NamedNode) -> dict[str, Any]:
    """A firm: names, country, kind, parent, Wikidata, a page of its deals with their quotes, a page of its
    partners, and the network of its top partners."""
    deals, deals_page = paged_deals(kv, "SELECT deal FROM deal_party WHERE firm = ?", [firm.value])
    partners, partners_page, top = firm_partners(firm)
    alliances = indexed_links(
        "SELECT DISTINCT r.iri, r.label FROM deal_party p JOIN link l ON l.subject = p.deal AND l.property = "
        "'alliance' JOIN resource r ON r.iri = l.target WHERE p.firm = ?",
        [firm.value],
    )
    return {
        "aliases": literals(kv, firm, term(SKOS, "altLabel")),
        "legal_name": first_literal(kv, firm, term(SCHEMA, "legalName")),
        "note": comment(kv, firm),
        "country": first_literal(kv, firm, iri(AA.countryCode)),
        "kind": concept_label(kv, kv.value(firm, iri(AA.firmKind))),
        "parents": links(kv, kv.objects(firm, iri(AA.subsidiaryOf))),
        "subsidiaries": links(kv, kv.subjects(iri(AA.subsidiaryOf), firm)),
        "brands": links(kv, kv.subjects(iri(AA.brandOf), firm)),
        "people": links(kv, kv.subjects(iri(AA.affiliation), firm)),
        "wikidata": [
            o.value
            for o in kv.objects(firm, OWL_SAME_AS)
            if isinstance(o, ox.NamedNode) and o.value.startswith(WIKIDATA)
        ],
        "partners": partners,
        "partners_page": partners_page,
        "deals": deals,
        "deals_page": deals_page,
        "alliances": alliances,
        "investigations": links(kv, kv.subjects(iri(AA.investigates), firm)),
        "network": ego_network(kv, firm, top),
        "top_partners": len(top),
    }


def deal_page(kv: KGView, deal: ox.NamedNode) -> dict[str, Any]:
    """A deal: kind, status, dates, parties with roles, domains, signatories, value, related deals, quotes."""
    value = kv.value(deal, iri(AA.value))
    amount = None
    if value is not None and not isinstance(value, ox.Literal):
        amount = {
            "value": first_literal(kv, value, term(SCHEMA, "value")),
            "max": first_literal(kv, value, term(SCHEMA, "maxValue")),
            "currency": first_literal(kv, value, term(SCHEMA, "currency")),
        }
    estimated = first_literal(kv, deal, iri(AA.dateEstimated)) == "true"
    return {
        "row": deal_row(kv, deal),
        "signatories": links(kv, kv.objects(deal, iri(AA.signatory))),
        "value": amount,
        "expands": links(kv, kv.objects(deal, iri(AA.expands))),
        "expanded_by": links(kv, kv.subjects(iri(AA.expands), deal)),
        "part_of": links(kv, kv.objects(deal, iri(AA.partOf))),
        "parts": links(kv, kv.subjects(iri(AA.partOf), deal)),
        "alliances": links(kv, kv.objects(deal, iri(AA.alliance))),
        "establishes": links(kv, kv.objects(deal, iri(AA.establishes))),
        "products": links(kv, kv.objects(deal, iri(AA.product))),
        "investigations": links(kv, kv.subjects(iri(AA.concerns), deal)),
        "date_estimated": estimated,
        "date_estimate_reason": readable_reason(first_literal(kv, deal, iri(AA.dateEstimateReason))),
        "comment": comment(kv, deal),
    }


def narrower_closure(kv: KGView, domain: ox.NamedNode) -> list[Value]:
    """``domain`` and every domain below it (``skos:narrower`` or inverse ``skos:broader``, transitively)."""
    seen: list[Value] = [domain]
    queue: list[Value] = [domain]
    while queue:
        current = queue.pop()
        below = set(kv.objects(current, term(SKOS, "narrower"))) | set(kv.subjects(term(SKOS, "broader"), current))
        for node in kv.sorted_by_label(below):
            if node not in seen:
                seen.append(node)
                queue.append(node)
    return seen


def domain_page(kv: KGView, domain: ox.NamedNode) -> dict[str, Any]:
    """A technology domain: broader and narrower domains, a page of its deals and those of its narrower
    domains, its alliances."""
    closure = [d.value for d in narrower_closure(kv, domain) if isinstance(d, ox.NamedNode)]
    broader = set(kv.objects(domain, term(SKOS, "broader"))) | set(kv.subjects(term(SKOS, "narrower"), domain))
    narrower = set(kv.objects(domain, term(SKOS, "narrower"))) | set(kv.subjects(term(SKOS, "broader"), domain))
    in_closure = f"property = 'domain' AND target IN ({_marks(closure)})"
    rows, page = paged_deals(kv, f"SELECT subject AS deal FROM link WHERE {in_closure}", closure)
    return {
        "definition": first_literal(kv, domain, term(SKOS, "definition")),
        "broader": links(kv, list(broader)),
        "narrower": links(kv, list(narrower)),
        "deals": rows,
        "deals_page": page,
        "alliances": indexed_links(
            f"SELECT DISTINCT r.iri, r.label FROM link JOIN resource r ON r.iri = subject "
            f"AND r.kind = 'alliance' WHERE {in_closure}",
            closure,
        ),
    }


def person_page(kv: KGView, person: ox.NamedNode) -> dict[str, Any]:
    """A person: job title, affiliation, the deals they signed."""
    return {
        "job_title": first_literal(kv, person, term(SCHEMA, "jobTitle")),
        "affiliations": links(kv, kv.objects(person, iri(AA.affiliation))),
        **dict(
            zip(
                ("deals", "deals_page"),
                paged_deals(
                    kv, "SELECT subject AS deal FROM link WHERE property = 'signatory' AND target = ?", [person.value]
                ),
                strict=True,
            )
        ),
        "evidence": evidence_of(kv, person),
    }


def document_page(kv: KGView, doc: ox.NamedNode, doc_id: str, texts_dir: Path) -> dict[str, Any]:
    """A source document: metadata, and its quotes highlighted in the text (or listed when it is absent)."""
    quotes = sorted(
        (evidence(kv, ev) for ev in kv.subjects(term("http://www.w3.org/ns/oa#", "hasSource"), doc)),
        key=lambda e: (e.start or 0, e.end or 0),
    )
    cited_by = {q.iri: links(kv, kv.subjects(iri(AA.evidence), ox.NamedNode(q.iri))) for q in quotes}
    text = read_text(texts_dir, doc_id)
    issued = date_value(kv.value(doc, term(DCTERMS, "issued")))
    return {
        "publisher": first_literal(kv, doc, term(DCTERMS, "publisher")),
        "issued": issued,
        "date_estimated": first_literal(kv, doc, iri(AA.dateEstimated)) == "true",
        "date_estimate_reason": readable_reason(first_literal(kv, doc, iri(AA.dateEstimateReason))),
        "language": first_literal(kv, doc, term(DCTERMS, "language")),
        "url": first_literal(kv, doc, term(SCHEMA, "url"))
        or next((o.value for o in kv.objects(doc, term(SCHEMA, "url")) if isinstance(o, ox.NamedNode)), ""),
        "quotes": quotes,
        "cited_by": cited_by,
        "segments": segments(text, quotes) if text is not None else None,
    }


def property_rows(kv: KGView, node: ox.NamedNode) -> list[tuple[Link, list[Link]]]:
    """Every property of ``node`` with its values, as links with labels (for the generic page)."""
    grouped: dict[ox.NamedNode, list[Value]] = {}
    for t in kv.triples(node, None, None):
        if not isinstance(t.object, ox.Triple):  # triple terms never occur in this graph; narrows the type
            grouped.setdefault(t.predicate, []).append(t.object)
    rows = []
    for prop in sorted(grouped, key=lambda p: (p != RDF_TYPE, kv.label(p).casefold())):
        values = [link(kv, v) if not isinstance(v, ox.Literal) else Link(v.value, "", "") for v in grouped[prop]]
        rows.append((property_link(kv, prop), sorted(set(values), key=lambda v: v.label.casefold())))
    return rows


def property_link(kv: KGView, prop: ox.NamedNode) -> Link:
    """A property as a link: its ontology label when the ontology graph has one, else its local name."""
    label = kv.label(prop)
    return Link(label if label != local_name(prop) else humanize_property(label), resource_url(prop.value), prop.value)


def humanize_property(name: str) -> str:
    """``signedOn`` -> ``signed on``."""
    from .page_data import humanize

    return humanize(name)


def generic_page(kv: KGView, node: ox.NamedNode) -> dict[str, Any]:
    """Any other resource (alliance, investigation, brand, product, evidence, graph): its properties, the
    resources that point to it, and its quotes."""
    incoming: dict[str, list[Link]] = {}
    for t in kv.triples(None, None, node):
        if not isinstance(t.subject, ox.Triple):
            incoming.setdefault(property_link(kv, t.predicate).label, []).append(link(kv, t.subject))
    is_graph = kv.store.contains_named_graph(node)
    members = []
    if is_graph:
        members = links(
            kv,
            {
                q.subject
                for q in kv.store.quads_for_pattern(None, RDF_TYPE, None, node)
                if not isinstance(q.subject, ox.Triple)
            },
        )
    return {
        "properties": property_rows(kv, node),
        "incoming": {k: sorted(set(v), key=lambda x: x.label.casefold())[:200] for k, v in sorted(incoming.items())},
        "evidence": evidence_of(kv, node),
        "graph_members": members,
        "is_graph": is_graph,
        "is_evidence": "/evidence/" in (local_path(node.value) or ""),
    }
