"""What pages show about the whole graph, computed once per build from the staged store.

``write_site_data(store, target)`` writes into the build's ``site/`` directory:

- ``summary.json``: the counts, the home page's partnership network already laid out (the firms with the most
  partners), the timeline of deals (every dated deal when there are few, deals per year otherwise);
- ``index.sqlite``: one row per firm, deal, domain, person, document and alliance (label, date, counts) for the
  paginated, sortable index pages; every label and alternative name in a full-text table for the search box;
  the parties of each deal and each firm's partners with the number of deals they share, for firm pages; the
  domains, alliances and signatories of deals, so pages list a domain's or a person's deals page by page;
- ``content.tsv``: ``kind, IRI, digest of its description`` for every deal, firm and quote, sorted: what a
  release's changelog is computed from (``kg.releases``).

The web process only reads these files, so no request lays out a network or scans the graph.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import pyoxigraph as ox

from .iris import GRAPH_INFERRED, PREFIXES
from .layout import force_layout
from .vocab import AA, DEAL_KINDS, ROLES

SUMMARY = "summary.json"
INDEX = "index.sqlite"
CONTENT = "content.tsv"
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
LINKED = ("domain", "alliance", "signatory")  # links from deals (and alliances) that pages list deals by


def select(store: ox.Store, query: str) -> Iterator[ox.QuerySolution]:
    """The solutions of the SELECT ``query`` over the union of the store's graphs, with the project prefixes."""
    solutions = store.query(query, prefixes=PREFIXES, use_default_graph_as_union=True)
    assert isinstance(solutions, ox.QuerySolutions), "select() is given SELECT queries only"
    yield from solutions


def humanize(name: str) -> str:
    """``MemorandumOfUnderstanding`` -> ``memorandum of understanding``."""
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).lower()


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


@dataclass
class Facts:
    """What the site data and the exports read from the store, once."""

    resources: dict[str, Resource]
    deal_parties: dict[str, dict[str, list[str]]]  # deal -> firm -> roles (empty: party only)
    deal_dates: dict[str, dict[str, ox.Literal]]  # deal -> date property -> literal
    partners: dict[str, Counter[str]]  # firm -> partner -> deals they share
    links: list[tuple[str, str, str]] = field(default_factory=list)  # (subject, property, target) of LINKED


def _labels(store: ox.Store, resources: dict[str, Resource]) -> None:
    values = " ".join(NAMES)
    chosen: dict[str, tuple[int, bool, str]] = {}
    for row in select(store, f"SELECT DISTINCT ?x ?p ?l WHERE {{ VALUES ?p {{ {values} }} ?x ?p ?l }}"):
        iri, prop, literal = row["x"].value, row["p"].value, row["l"]
        resource = resources.get(iri)
        if resource is None or not isinstance(literal, ox.Literal):
            continue
        resource.names.add(literal.value)
        rank = next((i for i, name in enumerate(LABELS) if expand(name) == prop), None)
        if rank is not None:
            key = (rank, literal.language not in (None, "en"), literal.value)
            if iri not in chosen or key < chosen[iri]:
                chosen[iri] = key
    for iri, resource in resources.items():
        resource.label = chosen[iri][2] if iri in chosen else local_name(iri)


def expand(curie: str) -> str:
    """The IRI of ``curie`` (``prefix:name``, with the project's prefixes)."""
    prefix, name = curie.split(":", 1)
    return PREFIXES[prefix] + name


def members(store: ox.Store, kind: str) -> Iterator[str]:
    """The IRIs of the resources of one index ``kind`` (a key of ``KINDS``)."""
    pattern = DEAL_PATTERN if kind == "deal" else f"?x a <{KINDS[kind]}>"
    for row in select(store, f"SELECT DISTINCT ?x WHERE {{ {pattern} FILTER(isIRI(?x)) }}"):
        yield row["x"].value


def read_facts(store: ox.Store) -> Facts:
    """Every indexed resource with its label, names and sort keys; the parties and dates of each deal; the
    partners of each firm with the number of deals they share."""
    resources: dict[str, Resource] = {}
    for kind in KINDS:
        for iri in members(store, kind):
            resources.setdefault(iri, Resource(iri, kind))
    _labels(store, resources)
    deals = {iri for iri, r in resources.items() if r.kind == "deal"}
    kinds: dict[str, set[str]] = defaultdict(set)
    for row in select(store, f"SELECT DISTINCT ?x ?k WHERE {{ {DEAL_PATTERN} }}"):
        kinds[row["x"].value].add(local_name(row["k"].value))
    dates: dict[str, dict[str, ox.Literal]] = defaultdict(dict)
    values = " ".join(f"aa:{p}" for p in DEAL_DATES)
    for row in select(store, f"SELECT ?d ?p ?v WHERE {{ VALUES ?p {{ {values} }} ?d ?p ?v }}"):
        if row["d"].value in deals and isinstance(row["v"], ox.Literal):
            prop = local_name(row["p"].value)
            known = dates[row["d"].value].get(prop)
            if known is None or row["v"].value < known.value:
                dates[row["d"].value][prop] = row["v"]
    parties: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in select(store, f"SELECT DISTINCT ?d ?r ?f WHERE {{ VALUES ?r {{ {PARTY_PROPERTIES} }} ?d ?r ?f }}"):
        if row["d"].value in deals and isinstance(row["f"], ox.NamedNode):
            roles = parties[row["d"].value].setdefault(row["f"].value, [])
            role = local_name(row["r"].value)
            if role != "party":
                roles.append(role)
    for roles in (r for d in parties.values() for r in d.values()):
        roles.sort()
    for row in select(store, "SELECT ?d ?s WHERE { ?d aa:status ?s }"):
        if row["d"].value in resources:
            resources[row["d"].value].status = humanize(local_name(row["s"].value))
    for iri in deals:
        resource = resources[iri]
        specific = sorted(k for k in kinds[iri] if k != "Deal")
        resource.deal_kind = humanize(specific[0]) if specific else "deal"
        resource.date = min((v.value for v in dates.get(iri, {}).values()), default="")
    partners = _partners(store, parties)
    _counts(store, resources, parties, partners)
    values = " ".join(f"aa:{p}" for p in LINKED)
    links = sorted(
        {
            (row["s"].value, local_name(row["p"].value), row["o"].value)
            for row in select(
                store, f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?p {{ {values} }} ?s ?p ?o FILTER(isIRI(?o)) }}"
            )
            if row["s"].value in resources
        }
    )
    return Facts(resources, dict(parties), dict(dates), partners, links)


def _partners(store: ox.Store, parties: dict[str, dict[str, list[str]]]) -> dict[str, Counter[str]]:
    """``aa:partnerOf`` pairs (inferred), each with the number of deals both firms are parties of."""
    shared: Counter[tuple[str, str]] = Counter()
    for firms in parties.values():
        for a, b in combinations(sorted(firms), 2):
            shared[(a, b)] += 1
    partners: dict[str, Counter[str]] = defaultdict(Counter)
    query = f"SELECT DISTINCT ?a ?b WHERE {{ GRAPH <{GRAPH_INFERRED}> {{ ?a aa:partnerOf ?b }} }}"
    pairs = [(r["a"].value, r["b"].value) for r in select(store, query)]
    if not pairs:  # a store without the inferred graph (hand-made test data): partners from any graph
        pairs = [(r["a"].value, r["b"].value) for r in select(store, "SELECT ?a ?b WHERE { ?a aa:partnerOf ?b }")]
    for a, b in pairs:
        if a != b:
            n = shared[(min(a, b), max(a, b))]
            partners[a][b] = partners[b][a] = max(n, 1)
    return dict(partners)


def _counts(
    store: ox.Store,
    resources: dict[str, Resource],
    parties: dict[str, dict[str, list[str]]],
    partners: dict[str, Counter[str]],
) -> None:
    for firms in parties.values():
        for firm in firms:
            if firm in resources:
                resources[firm].deals += 1
    for firm, counter in partners.items():
        if firm in resources:
            resources[firm].partners = len(counter)
    queries = {
        "domain": "SELECT ?x (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d aa:domain ?x } GROUP BY ?x",
        "person": "SELECT ?x (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d aa:signatory ?x } GROUP BY ?x",
        "alliance": "SELECT ?x (COUNT(DISTINCT ?d) AS ?n) WHERE { ?d aa:alliance ?x } GROUP BY ?x",
        "document": "SELECT ?x (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e oa:hasSource ?x } GROUP BY ?x",
    }
    for kind, query in queries.items():
        for row in select(store, query):
            resource = resources.get(row["x"].value)
            if resource is not None and resource.kind == kind:
                resource.deals = int(row["n"].value)
    for row in select(store, "SELECT ?x ?v WHERE { ?x dcterms:issued ?v }"):
        resource = resources.get(row["x"].value)
        if resource is not None and resource.kind == "document":
            resource.date = row["v"].value


COUNT_QUERIES = {
    "firms": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:Firm }",
    "deals": f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {DEAL_PATTERN} }}",
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:SourceDocument }",
    "quotes": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:Evidence }",
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
}


def counts(store: ox.Store) -> dict[str, int]:
    """Firms, deals, documents, evidence quotes and distinct triples."""
    return {name: int(next(select(store, query))["n"].value) for name, query in COUNT_QUERIES.items()}


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
                "datatype": literal.datatype.value if literal.datatype else "",
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


def content_rows(store: ox.Store) -> list[tuple[str, str, str]]:
    """``(kind, IRI, digest)`` of every deal, firm and quote, sorted: what releases compare."""
    kinds = {iri: kind for kind in ("deal", "firm") for iri in members(store, kind)}
    rows = [(kind, iri, description_digest(store, iri)) for iri, kind in kinds.items()]
    for row in select(store, "SELECT DISTINCT ?e WHERE { ?e a aa:Evidence FILTER(isIRI(?e)) }"):
        rows.append(("quote", row["e"].value, description_digest(store, row["e"].value)))
    return sorted(rows)


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


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_content(store: ox.Store, target: Path) -> None:
    """Write ``content.tsv`` (:func:`content_rows`) for the graph in ``store`` into ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    _write_text(target / CONTENT, "".join(f"{k}\t{i}\t{d}\n" for k, i, d in content_rows(store)))


def write_site_data(store: ox.Store, target: Path, facts: Facts | None = None, content: bool = True) -> None:
    """Write ``summary.json``, ``index.sqlite`` and (unless ``content`` is false) ``content.tsv`` for the graph in
    ``store`` into ``target``.

    ``facts`` (from :func:`read_facts`) saves reading the store twice when the caller has them.
    """
    target.mkdir(parents=True, exist_ok=True)
    facts = facts or read_facts(store)
    write_index(facts, target / INDEX)
    if content:
        write_content(store, target)
    summary = {"counts": counts(store), "network": home_network(facts), "timeline": timeline_data(facts)}
    _write_text(target / SUMMARY, json.dumps(summary, ensure_ascii=False, separators=(",", ":")) + "\n")
