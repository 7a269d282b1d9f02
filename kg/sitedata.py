"""What pages show about the whole graph, computed once per build from the staged store.

``write_site_data(store, target)`` writes into the build's ``site/`` directory:

- ``summary.json``: the counts, the home page's partnership network already laid out (the firms with the most
  partners), the timeline of deals (every dated deal when there are few, deals per year otherwise);
- ``index.sqlite``: one row per firm, deal, domain, person, document and alliance (label, date, counts) for the
  paginated, sortable index pages; every label and alternative name in a full-text table for the search box;
  the parties of each deal and each firm's partners with the number of deals they share, for firm pages; the
  domains, alliances and signatories of deals, so pages list a domain's or a person's deals page by page;
- ``content.tsv``: ``kind, IRI, digest of its description`` for every deal, firm and quote, sorted: what a
  release's changelog is computed from (``kg.releases``);
- ``records.marshal``: the :func:`records <read_records>` all of this is computed from, so that the next build
  reads again only the subjects whose statements changed (:func:`update_records`).

Everything is computed from one record per subject: the objects of the statements the pages and exports use
(``RECORD_PREDICATES``), over all graphs. A subject's record depends on its own statements alone, so after a
change only the subjects of the changed statements are read again; what joins records (labels of partners, counts,
the network) is computed in memory from all of them, the same way for a clean build and an incremental one.

The web process only reads these files, so no request lays out a network or scans the graph.
"""

from __future__ import annotations

import functools
import hashlib
import json
import marshal
import os
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import NamedTuple

import pyoxigraph as ox

from .iris import GRAPH_INFERRED, PREFIXES
from .layout import force_layout
from .vocab import AA, DEAL_KINDS, ROLES

SUMMARY = "summary.json"
INDEX = "index.sqlite"
CONTENT = "content.tsv"
RECORDS = "records.marshal"
HOME_NETWORK_FIRMS = 120  # the firms with the most partners drawn on the home page; the index lists them all
HOME_NETWORK_SIZE = (900, 560)
TIMELINE_MAX_DEALS = 150  # beyond this the home page shows deals per year, not one bar per deal
KINDS = {  # index kind -> the class its members have (deals: any subclass of aa:Deal)
    "firm": AA.Firm,
    "deal": AA.Deal,
    "domain": AA.TechnologyDomain,
    "person": AA.Person,
    "document": AA.SourceDocument,
    "alliance": AA.Alliance,
}
LABELS = ("skos:prefLabel", "rdfs:label", "dcterms:title")  # in the order pages prefer them
NAMES = (*LABELS, "skos:altLabel", "schema:legalName", "schema:name")
DEAL_DATES = ("announcedOn", "signedOn", "startsOn", "endedOn")
PARTY_PROPERTIES = " ".join(f"aa:{p}" for p in ("party", *ROLES))
# a deal: an instance of aa:Deal or of a subclass, in the store's ontology or in the closed vocabulary
DEAL_PATTERN = (
    "{ ?x a ?k . ?k rdfs:subClassOf* aa:Deal } UNION { VALUES ?k { "
    + " ".join(f"aa:{k}" for k in ("Deal", *DEAL_KINDS))
    + " } ?x a ?k }"
)
KIND_IRIS = {kind: str(cls) for kind, cls in KINDS.items()}
FIRM, SOURCE_DOCUMENT, EVIDENCE = str(AA.Firm), str(AA.SourceDocument), str(AA.Evidence)
LINKED = ("domain", "alliance", "signatory")  # links from deals (and alliances) that pages list deals by


def select(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    """The solutions of the SELECT ``query`` over the union of the store's graphs, with the project prefixes."""
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions), "select() is given SELECT queries only"
    yield from solutions


@functools.lru_cache(maxsize=4096)
def humanize(name: str) -> str:
    """``MemorandumOfUnderstanding`` -> ``memorandum of understanding``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


@functools.lru_cache(maxsize=4096)
def local_name(iri: str) -> str:
    """The fragment or last path segment of ``iri``."""
    return re.split(r"[#/]", iri.rstrip("/#"))[-1]


@dataclass
class Resource:
    """One resource of an index: its kind, label and names, and what its index page sorts by."""

    iri: str
    kind: str
    label: str = ""
    names: set[str] = field(default_factory=set)
    date: str = ""
    status: str = ""
    deal_kind: str = ""
    deals: int = 0
    partners: int = 0


class Lit(NamedTuple):
    """A literal: its lexical form, datatype IRI and language tag (``""`` when none); in records, a plain tuple
    of the three."""

    value: str
    datatype: str
    language: str


Value = str | tuple[str, str, str]  # an IRI, or a literal (as the fields of a Lit)
Blank = dict[str, tuple[Value, ...]]  # a blank node, by its own statements: predicate IRI -> objects
Obj = Value | Blank  # an object of a record
Record = dict[str, tuple[Obj, ...]]  # predicate IRI -> its objects, distinct and sorted


@functools.cache
def expand(curie: str) -> str:
    """The IRI of ``curie`` (``prefix:name``, with the project's prefixes)."""
    prefix, name = curie.split(":", 1)
    return PREFIXES[prefix] + name


def _iri(curie: str) -> str:
    return expand(curie)


TYPE = _iri("rdf:type")
PARTY_IRIS = tuple(_iri(f"aa:{p}") for p in ("party", *ROLES))
DATE_IRIS = tuple(_iri(f"aa:{p}") for p in DEAL_DATES)
LINK_IRIS = tuple(_iri(f"aa:{p}") for p in LINKED)
NAME_IRIS = tuple(_iri(n) for n in NAMES)
PARTNER = _iri("aa:partnerOf")
RECORD_PREDICATES: tuple[str, ...] = (
    TYPE,
    *NAME_IRIS,
    *DATE_IRIS,
    *PARTY_IRIS,
    *LINK_IRIS,
    PARTNER,
    *(
        _iri(c)
        for c in (
            "aa:status",
            "aa:evidence",
            "aa:attribution",
            "aa:value",
            "aa:countryCode",
            "aa:firmKind",
            "aa:subsidiaryOf",
            "owl:sameAs",
            "dcterms:issued",
            "dcterms:publisher",
            "oa:hasSource",
            "oa:hasSelector",
            "oa:exact",
            "oa:start",
            "oa:end",
            "schema:value",
            "schema:maxValue",
            "schema:currency",
        )
    ),
)
_PREDICATE_KEYS = {p: p for p in RECORD_PREDICATES}  # one string object per predicate, shared by every record
INFERRED_PARTNER = "inferred " + PARTNER  # the record key of the aa:partnerOf statements of graph:inferred


def _value(term: object, shared: dict[str, str]) -> Value | None:
    """``term`` as a record holds it: IRIs, datatypes and language tags as one string object each (``shared``)."""
    if isinstance(term, ox.NamedNode):
        return shared.setdefault(term.value, term.value)
    if isinstance(term, ox.Literal):
        datatype, language = term.datatype.value, term.language or ""
        return (term.value, shared.setdefault(datatype, datatype), shared.setdefault(language, language))
    return None


def _object(store: ox.Store, term: object, shared: dict[str, str]) -> Obj | None:
    """``term`` as a record holds it; a blank node (e.g. an amount of a deal) by its own statements."""
    if isinstance(term, ox.BlankNode):
        found: dict[str, set[Value]] = {}
        for quad in store.quads_for_pattern(term, None, None, None):
            key, value = _PREDICATE_KEYS.get(quad.predicate.value), _value(quad.object, shared)
            if key is not None and value is not None:
                found.setdefault(key, set()).add(value)
        return {p: tuple(sorted(values, key=_order)) for p, values in sorted(found.items())}
    return _value(term, shared)  # quoted triples are not recorded


def _order(o: Obj) -> tuple[int, str, str, str]:
    if isinstance(o, dict):
        return (2, repr(o), "", "")
    return (0, o, "", "") if isinstance(o, str) else (1, *o)


def text(o: Obj) -> str:
    """An object's IRI or lexical form, as a query solution's ``.value`` gives it (``""``: a blank node)."""
    return o if isinstance(o, str) else "" if isinstance(o, dict) else o[0]


def read_records(store: ox.Store, subjects: Iterable[str] | None = None) -> dict[str, Record]:
    """The record of each IRI subject of ``store`` that has a statement of ``RECORD_PREDICATES`` (in any graph),
    sorted by IRI; with ``subjects``, of those subjects alone (read by subject rather than by predicate: the
    same records)."""
    found: dict[str, dict[str, list[Obj]]] = defaultdict(dict)
    shared: dict[str, str] = {}

    def add(subject: str, key: str, term: object) -> None:
        obj = _object(store, term, shared)
        if obj is not None:
            record = found[shared.setdefault(subject, subject)]
            objects = record.get(key)
            if objects is None:
                record[key] = [obj]
            elif obj not in objects:  # a handful of objects per predicate at most
                objects.append(obj)

    if subjects is None:  # by predicate: a query's solutions are read several times faster than quads
        for predicate in RECORD_PREDICATES:
            query = f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o FILTER(isIRI(?s)) }}"
            for s, o in select(store, query):
                add(s.value, predicate, o)
        query = f"SELECT ?s ?o WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ ?s <{PARTNER}> ?o }} FILTER(isIRI(?s)) }}"
        for s, o in select(store, query):
            add(s.value, INFERRED_PARTNER, o)
    else:
        inferred = ox.NamedNode(GRAPH_INFERRED)
        for subject in subjects:
            for quad in store.quads_for_pattern(ox.NamedNode(subject), None, None, None):
                key = _PREDICATE_KEYS.get(quad.predicate.value)
                if key is not None:
                    add(subject, key, quad.object)
                    if key is PARTNER and quad.graph_name == inferred:
                        add(subject, INFERRED_PARTNER, quad.object)
    tuples: dict[tuple[Obj, ...], tuple[Obj, ...]] = {}  # one object per distinct tuple of objects: most recur

    def one(objects: list[Obj]) -> tuple[Obj, ...]:
        value = tuple(objects) if len(objects) == 1 else tuple(sorted(objects, key=_order))
        if any(isinstance(o, dict) for o in value):
            return value  # blank nodes are not hashable (and rare)
        return tuples.setdefault(value, value)

    return {s: {p: one(o) for p, o in record.items()} for s, record in sorted(found.items())}


def update_records(records: dict[str, Record], store: ox.Store, subjects: Iterable[str]) -> dict[str, Record]:
    """``records`` (of an earlier state of ``store``, updated in place) with the records of ``subjects`` read
    again from ``store``: the records of the whole store when ``subjects`` holds every subject whose statements
    changed. Still sorted by subject."""
    subjects = set(subjects)
    fresh = read_records(store, sorted(subjects))
    added = fresh.keys() - records.keys()
    for subject in subjects - fresh.keys():
        records.pop(subject, None)
    records.update(fresh)
    return dict(sorted(records.items())) if added else records


def save_records(records: dict[str, Record], target: Path) -> None:
    """Write ``records`` to ``target/records.marshal`` (replaced only once complete). The records are strings,
    tuples and dicts alone, which ``marshal`` writes and reads several times faster than ``pickle``."""
    tmp = target / (RECORDS + ".new")
    tmp.write_bytes(marshal.dumps({"predicates": RECORD_PREDICATES, "records": records}))
    os.replace(tmp, target / RECORDS)


def load_records(directory: Path) -> dict[str, Record] | None:
    """The records a build saved in its site ``directory``, or None when it has none, or none of the predicates
    read now (an earlier version), or they cannot be read."""
    try:
        saved = marshal.loads((directory / RECORDS).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if not isinstance(saved, dict) or saved.get("predicates") != RECORD_PREDICATES:
        return None
    records = saved.get("records")
    return records if isinstance(records, dict) else None


def deal_classes(store: ox.Store) -> set[str]:
    """``aa:Deal``, its kinds in the closed vocabulary, and every class the store says is a sub-class of it."""
    found = {str(AA.Deal), *(str(AA[k]) for k in DEAL_KINDS)}
    found |= {row["k"].value for row in select(store, "SELECT DISTINCT ?k WHERE { ?k rdfs:subClassOf* aa:Deal }")}
    return found


@dataclass
class Facts:
    """What the site data and the exports need, computed from the records of the store."""

    resources: dict[str, Resource]
    deal_parties: dict[str, dict[str, list[str]]]  # deal -> firm -> roles (empty: party only)
    deal_dates: dict[str, dict[str, Lit]]  # deal -> date property -> literal
    partners: dict[str, Counter[str]]  # firm -> partner -> deals they share
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (subject, property, target) of LINKED
    records: dict[str, Record] = field(default_factory=dict)
    deal_classes: set[str] = field(default_factory=set)

    def values(self, subject: str | Blank, curie: str) -> tuple[Obj, ...]:
        """The objects of ``subject``'s statements (or a blank node's) of the predicate ``curie``."""
        record = subject if isinstance(subject, dict) else self.records.get(subject, {})
        return record.get(expand(curie), ())

    def kind_of(self, subject: str) -> str | None:
        """The index kind (a key of ``KINDS``) of ``subject``: the first whose class it has."""
        types = self.records.get(subject, {}).get(TYPE, ())
        for kind, cls in KIND_IRIS.items():
            if any(t in self.deal_classes for t in types) if kind == "deal" else cls in types:
                return kind
        return None


def members(store: ox.Store, kind: str) -> Iterator[str]:
    """The IRIs of the resources of one index ``kind`` (a key of ``KINDS``)."""
    pattern = DEAL_PATTERN if kind == "deal" else f"?x a <{KINDS[kind]}>"
    for row in select(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} FILTER(isIRI(?x)) }}"):
        yield row["x"].value


def read_facts(store: ox.Store) -> Facts:
    """The facts of every record of ``store`` (:func:`facts_of`)."""
    return facts_of(read_records(store), deal_classes(store))


def facts_of(records: dict[str, Record], classes: set[str]) -> Facts:
    """Every indexed resource with its label, names and sort keys; the parties and dates of each deal; the
    partners of each firm with the number of deals they share; computed from ``records`` and the deal
    ``classes`` (:func:`deal_classes`)."""
    facts = Facts({}, {}, {}, {}, records=records, deal_classes=classes)
    resources = facts.resources
    for iri in records:
        kind = facts.kind_of(iri)
        if kind is not None:
            resources[iri] = Resource(iri, kind)
    _labels(facts)
    status = _iri("aa:status")
    for iri, resource in resources.items():
        record = records[iri]
        if status in record:
            resource.status = humanize(local_name(text(record[status][0])))
        if resource.kind != "deal":
            continue
        dates = {
            local_name(p): Lit(*min(objects, key=_order))
            for p in DATE_IRIS
            if (objects := [o for o in record.get(p, ()) if isinstance(o, tuple)])
        }
        if dates:
            facts.deal_dates[iri] = dates
        firms: dict[str, list[str]] = {}
        for p in PARTY_IRIS:
            for firm in record.get(p, ()):
                if isinstance(firm, str):
                    roles = firms.setdefault(firm, [])
                    if local_name(p) != "party":
                        roles.append(local_name(p))
        if firms:
            facts.deal_parties[iri] = {f: sorted(roles) for f, roles in firms.items()}
        specific = sorted(local_name(t) for t in record.get(TYPE, ()) if t in classes and local_name(t) != "Deal")
        resource.deal_kind = humanize(specific[0]) if specific else "deal"
        resource.date = min((v.value for v in dates.values()), default="")
    facts.partners = _partners(facts)
    _counts(facts)
    facts.links = sorted(
        {
            (iri, local_name(p), o)
            for iri in resources
            for p in LINK_IRIS
            for o in records[iri].get(p, ())
            if isinstance(o, str)
        }
    )
    return facts


def _labels(facts: Facts) -> None:
    for iri, resource in facts.resources.items():
        record = facts.records[iri]
        chosen: tuple[int, bool, str] | None = None
        for rank, p in enumerate(NAME_IRIS):
            for o in record.get(p, ()):
                if isinstance(o, str):
                    continue
                value, _, language = o
                resource.names.add(value)
                if rank < len(LABELS):
                    key = (rank, language not in ("", "en"), value)
                    if chosen is None or key < chosen:
                        chosen = key
        resource.label = chosen[2] if chosen is not None else local_name(iri)


def _partners(facts: Facts) -> dict[str, Counter[str]]:
    """``aa:partnerOf`` pairs (inferred), each with the number of deals both firms are parties of."""
    shared: Counter[tuple[str, str]] = Counter()
    for firms in facts.deal_parties.values():
        for a, b in combinations(sorted(firms), 2):
            shared[(a, b)] += 1
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    pairs = [(a, text(b)) for a, record in facts.records.items() for b in record.get(INFERRED_PARTNER, ())]
    if not pairs:  # a store without the inferred graph (hand-made test data): partners from any graph
        pairs = [(a, text(b)) for a, record in facts.records.items() for b in record.get(PARTNER, ())]
    for a, b in pairs:
        if a != b:
            n = shared[(min(a, b), max(a, b))]
            partners[a][b] = partners[b][a] = max(n, 1)
    return dict(partners)


COUNTED_BY = {  # index kind -> the predicate whose subjects it counts, as its "deals"
    "domain": "aa:domain",
    "person": "aa:signatory",
    "alliance": "aa:alliance",
    "document": "oa:hasSource",
}


def _counts(facts: Facts) -> None:
    resources = facts.resources
    for firms in facts.deal_parties.values():
        for firm in firms:
            if firm in resources:
                resources[firm].deals += 1
    for firm, counter in facts.partners.items():
        if firm in resources:
            resources[firm].partners = len(counter)
    for kind, curie in COUNTED_BY.items():
        predicate = expand(curie)
        counted: Counter[str] = Counter(text(o) for record in facts.records.values() for o in record.get(predicate, ()))
        for iri, n in counted.items():
            resource = resources.get(iri)
            if resource is not None and resource.kind == kind:
                resource.deals = n
    issued = expand("dcterms:issued")
    for iri, resource in resources.items():
        if resource.kind == "document" and issued in facts.records[iri]:
            resource.date = text(facts.records[iri][issued][0])


TRIPLES_QUERY = "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }"


def triple_count(store: ox.Store) -> int:
    """The number of distinct triples over all graphs of ``store``."""
    return int(next(select(store, TRIPLES_QUERY))["n"].value)


def subject_triples(store: ox.Store, subjects: Iterable[str]) -> int:
    """The number of distinct triples over all graphs of ``store`` whose subject is one of ``subjects``."""
    return sum(
        len({(q.predicate, q.object) for q in store.quads_for_pattern(ox.NamedNode(s), None, None, None)})
        for s in subjects
    )


def counts(facts: Facts, triples: int) -> dict[str, int]:
    """Firms, deals, documents, evidence quotes (from ``facts``) and ``triples``, the distinct triples."""
    classes = {"firms": FIRM, "documents": SOURCE_DOCUMENT, "quotes": EVIDENCE}
    found = dict.fromkeys(("firms", "deals", "documents", "quotes"), 0)
    for record in facts.records.values():
        types = record.get(TYPE)
        if types:
            for name, cls in classes.items():
                found[name] += cls in types
            found["deals"] += any(t in facts.deal_classes for t in types)
    return found | {"triples": triples}


def home_network(facts: Facts, limit: int = HOME_NETWORK_FIRMS) -> dict[str, object]:
    """The firms with the most partners (at most ``limit``) and the partnerships among them, laid out."""
    ranked = sorted(
        facts.partners,
        key=lambda f: (-len(facts.partners[f]), facts.resources[f].label.casefold() if f in facts.resources else f),
    )
    shown = sorted(ranked[:limit], key=lambda f: (_label(facts, f).casefold(), f))
    index = {iri: i for i, iri in enumerate(shown)}
    edges = sorted(
        {(min(index[a], index[b]), max(index[a], index[b])) for a in shown for b in facts.partners[a] if b in index}
    )
    width, height = HOME_NETWORK_SIZE
    positions = force_layout(len(shown), edges, width, height)
    degree = Counter(i for edge in edges for i in edge)
    return {
        "width": width,
        "height": height,
        "firms_with_partners": len(ranked),
        "nodes": [
            {
                "iri": iri,
                "label": _label(facts, iri),
                "x": x,
                "y": y,
                "degree": degree[i],
                "partners": len(facts.partners[iri]),
            }
            for i, (iri, (x, y)) in enumerate(zip(shown, positions, strict=True))
        ],
        "edges": edges,
    }


def _label(facts: Facts, iri: str) -> str:
    resource = facts.resources.get(iri)
    return resource.label if resource else local_name(iri)


def timeline_data(facts: Facts, limit: int = TIMELINE_MAX_DEALS) -> dict[str, object]:
    """Every dated deal (``deals``: IRI, label, kind, status, date, datatype) when there are at most ``limit``,
    else the number of deals per year of their first date (``years``)."""
    dated = []
    for iri, resource in facts.resources.items():
        if resource.kind != "deal" or not resource.date:
            continue
        literal = min(facts.deal_dates[iri].values(), key=lambda v: v.value)
        dated.append(
            {
                "iri": iri,
                "label": resource.label,
                "kind": resource.deal_kind,
                "status": resource.status,
                "date": literal.value,
                "datatype": literal.datatype,
            }
        )
    dated.sort(key=lambda d: (d["date"], d["label"], d["iri"]))
    if len(dated) <= limit:
        return {"deals": dated, "years": []}
    per_year = Counter(d["date"][:4] for d in dated if d["date"][:4].isdigit())
    return {"deals": [], "years": sorted([int(y), n] for y, n in per_year.items())}


def _statements(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, depth: int = 0) -> list[str]:
    """The sorted statements of ``subject`` (each triple once, over all graphs), blank-node objects written as
    their own statements in brackets, so the text does not depend on blank-node labels."""
    lines = set()
    for quad in store.quads_for_pattern(subject, None, None, None):
        obj = quad.object
        if isinstance(obj, ox.BlankNode) and depth < 3:
            lines.add(f"{quad.predicate} [{' ; '.join(_statements(store, obj, depth + 1))}]")
        else:
            lines.add(f"{quad.predicate} {obj}")
    return sorted(lines)


def description_digest(store: ox.Store, iri: str) -> str:
    """SHA-256 of what ``iri`` states (over all graphs), independent of blank-node labels."""
    return hashlib.sha256("\n".join(_statements(store, ox.NamedNode(iri))).encode("utf-8")).hexdigest()


def content_rows(store: ox.Store, subjects: Iterable[str] | None = None) -> list[tuple[str, str, str]]:
    """``(kind, IRI, digest)`` of every deal, firm and quote (of ``subjects`` alone when given), sorted: what
    releases compare."""
    if subjects is None:
        kinds = {iri: kind for kind in ("deal", "firm") for iri in members(store, kind)}
        rows = [(kind, iri, description_digest(store, iri)) for iri, kind in kinds.items()]
        for row in select(store, "SELECT DISTINCT ?e WHERE { ?e a aa:Evidence FILTER(isIRI(?e)) }"):
            rows.append(("quote", row["e"].value, description_digest(store, row["e"].value)))
        return sorted(rows)
    classes, rdf_type, rows = deal_classes(store), ox.NamedNode(TYPE), []
    for iri in subjects:
        quads = store.quads_for_pattern(ox.NamedNode(iri), rdf_type, None, None)
        types = {q.object.value for q in quads if isinstance(q.object, ox.NamedNode)}
        found = ["firm"] if FIRM in types else ["deal"] if types & classes else []
        found += ["quote"] if EVIDENCE in types else []
        rows += [(kind, iri, description_digest(store, iri)) for kind in found]
    return sorted(rows)


def read_content(path: Path) -> list[tuple[str, str, str]] | None:
    """The rows of a ``content.tsv`` (None when there is none)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    rows = [tuple(line.split("\t")) for line in lines]
    return [(r[0], r[1], r[2]) for r in rows if len(r) == 3]


def update_content(
    rows: list[tuple[str, str, str]], store: ox.Store, subjects: Iterable[str]
) -> list[tuple[str, str, str]]:
    """``rows`` (of an earlier state of ``store``) with the rows of ``subjects`` computed again: the rows of the
    whole store when ``subjects`` holds every subject whose statements changed."""
    subjects = set(subjects)
    return sorted([r for r in rows if r[1] not in subjects] + content_rows(store, sorted(subjects)))


SCHEMA = """
CREATE TABLE resource (iri TEXT PRIMARY KEY, kind TEXT NOT NULL, label TEXT NOT NULL, sort_label TEXT NOT NULL,
                       date TEXT NOT NULL, status TEXT NOT NULL, deal_kind TEXT NOT NULL, deals INTEGER NOT NULL,
                       partners INTEGER NOT NULL);
CREATE INDEX resource_label ON resource (kind, sort_label, iri);
CREATE INDEX resource_date ON resource (kind, date = '', date, sort_label);
CREATE INDEX resource_deals ON resource (kind, deals, sort_label);
CREATE INDEX resource_partners ON resource (kind, partners, sort_label);
CREATE TABLE partner (firm TEXT NOT NULL, partner TEXT NOT NULL, deals INTEGER NOT NULL, PRIMARY KEY (firm, partner));
CREATE INDEX partner_rank ON partner (firm, deals DESC, partner);
CREATE TABLE deal_party (deal TEXT NOT NULL, firm TEXT NOT NULL, roles TEXT NOT NULL, PRIMARY KEY (deal, firm));
CREATE INDEX deal_party_firm ON deal_party (firm, deal);
CREATE TABLE link (subject TEXT NOT NULL, property TEXT NOT NULL, target TEXT NOT NULL,
                   PRIMARY KEY (property, target, subject));
CREATE INDEX link_subject ON link (subject, property);
CREATE VIRTUAL TABLE search USING fts5 (name, iri UNINDEXED, tokenize = "unicode61 remove_diacritics 2");
"""


def write_index(facts: Facts, path: Path) -> None:
    """Write the SQLite index of ``facts`` to ``path`` (replaced only once complete)."""
    tmp = path.with_name(path.name + ".new")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript(SCHEMA)
        db.executemany(
            "INSERT INTO resource VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (r.iri, r.kind, r.label, r.label.casefold(), r.date, r.status, r.deal_kind, r.deals, r.partners)
                for r in facts.resources.values()
            ),
        )
        db.executemany(
            "INSERT INTO partner VALUES (?, ?, ?)",
            ((f, p, n) for f, counter in facts.partners.items() for p, n in counter.items()),
        )
        db.executemany(
            "INSERT INTO deal_party VALUES (?, ?, ?)",
            ((d, f, " ".join(roles)) for d, firms in facts.deal_parties.items() for f, roles in firms.items()),
        )
        db.executemany("INSERT INTO link VALUES (?, ?, ?)", facts.links)
        db.executemany(
            "INSERT INTO search (name, iri) VALUES (?, ?)",
            ((name, r.iri) for r in facts.resources.values() for name in sorted(r.names | {r.label})),
        )
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)


def _write_text(path: Path, content: str) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(content, encoding="utf-8")
    os.replace(tmp, path)


def write_content(store: ox.Store, target: Path, rows: list[tuple[str, str, str]] | None = None) -> None:
    """Write ``content.tsv`` (``rows``, or :func:`content_rows` of the graph in ``store``) into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    rows = content_rows(store) if rows is None else rows
    _write_text(target / CONTENT, "".join(f"{k}\t{i}\t{d}\n" for k, i, d in rows))


def write_site_data(
    store: ox.Store, target: Path, facts: Facts | None = None, content: bool = True, triples: int | None = None
) -> None:
    """Write ``summary.json``, ``index.sqlite`` and (unless ``content`` is false) ``content.tsv`` for the graph in
    ``store`` into ``target``.

    ``facts`` (from :func:`read_facts`) saves reading the store twice when the caller has them; ``triples``,
    the number of distinct triples, counting them.
    """
    target.mkdir(parents=True, exist_ok=True)
    facts = facts or read_facts(store)
    write_index(facts, target / INDEX)
    if content:
        write_content(store, target)
    summary = {
        "counts": counts(facts, triple_count(store) if triples is None else triples),
        "network": home_network(facts),
        "timeline": timeline_data(facts),
    }
    _write_text(target / SUMMARY, json.dumps(summary, ensure_ascii=False, separators=(",", ":")) + "\n")
