"""Exports for analysts who work in spreadsheets, R, pandas, networkx or Gephi rather than SPARQL.

``write_exports(store, target)`` writes into the build's ``exports/`` directory:

- ``deals.csv``: one row per deal: kind, status, its dates (at their precision, as in the graph), value;
- ``parties.csv``: one row per deal, firm and role (``party`` when no specific role is stated);
- ``evidence.csv``: one row per quote and what it supports, with the quote, its attribution, offsets and source;
- ``firms.csv``: one row per firm: names, country, kind, parents, Wikidata, number of deals and partners;
- ``network.graphml``, ``network.gexf``, ``network.json`` (networkx node-link): the partnership network, one
  node per firm and one edge per deal between two of its parties (deals that were announced, signed,
  completed or have ended; rumours and talks are not partnerships), with the deal, its kind and status and
  its dates on the edge: ``start`` (the first of announced, signed, starts) and ``end`` (ended), as full dates
  (a year-precise start counts from 1 January, a year-precise end to 31 December). The GEXF is dynamic
  (Gephi's timeline shows the network by year); :func:`network_as_of` keeps the edges of one year.

CSV files are UTF-8 with a header row; multiple values in one cell are separated by ``; ``.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import io
import json
import os
import sys
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .lock import die_with_parent
from .sitedata import (
    DEAL_DATES,
    Facts,
    expand,
    humanize,
    local_name,
    read_facts,
    select,
    write_content,
    write_site_data,
)

ACTIVE_OR_ENDED = ("announced", "signed", "completed", "ended")
EXPORTS = {
    "deals.csv": "one row per deal: kind, status, dates, value",
    "parties.csv": "one row per deal, firm and role",
    "evidence.csv": "one row per quote and what it supports, with its source",
    "firms.csv": "one row per firm: names, country, kind, parents, Wikidata, deals, partners",
    "network.graphml": "the partnership network, deal dates on edges (GraphML: networkx, yEd, Cytoscape)",
    "network.gexf": "the partnership network as a dynamic graph (GEXF: Gephi's timeline)",
    "network.json": "the partnership network as networkx node-link JSON",
}
MEDIA_TYPES = {
    ".csv": "text/csv",
    ".graphml": "application/graphml+xml",
    ".gexf": "application/gexf+xml",
    ".json": "application/json",
}  # of the export files, by suffix


def _csv(header: list[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _multi(rows: Iterable[ox.QuerySolution], key: str, value: str) -> dict[str, list[str]]:
    found: dict[str, set[str]] = {}
    for row in rows:
        found.setdefault(row[key].value, set()).add(row[value].value)
    return {k: sorted(v) for k, v in found.items()}


def deals_csv(store: ox.Store, facts: Facts) -> str:
    """The deals table."""
    domains = _multi(select(store, "SELECT DISTINCT ?d ?l WHERE { ?d aa:domain ?x . ?x skos:prefLabel ?l }"), "d", "l")
    values: dict[str, tuple[str, str, str]] = {}
    for row in select(
        store,
        """SELECT ?d ?a ?m ?c WHERE { ?d aa:value ?v .
            OPTIONAL { ?v schema:value ?a } OPTIONAL { ?v schema:maxValue ?m } OPTIONAL { ?v schema:currency ?c } }""",
    ):
        amount, maximum, currency = (row[k].value if row[k] else "" for k in ("a", "m", "c"))
        values[row["d"].value] = (amount, maximum, currency)
    rows = []
    for iri, r in sorted(facts.resources.items()):
        if r.kind != "deal":
            continue
        dates = facts.deal_dates.get(iri, {})
        rows.append(
            [
                iri,
                r.label,
                r.deal_kind,
                r.status,
                *(dates[p].value if p in dates else "" for p in DEAL_DATES),
                *values.get(iri, ("", "", "")),
                "; ".join(domains.get(iri, [])),
            ]
        )
    return _csv(
        [
            "deal",
            "label",
            "kind",
            "status",
            "announced",
            "signed",
            "starts",
            "ended",
            "value",
            "max_value",
            "currency",
            "domains",
        ],
        rows,
    )


def parties_csv(facts: Facts) -> str:
    """The parties table."""
    rows = []
    for deal, firms in sorted(facts.deal_parties.items()):
        for firm, roles in sorted(firms.items()):
            for role in roles or ["party"]:
                rows.append([deal, _label(facts, deal), firm, _label(facts, firm), role])
    return _csv(["deal", "deal_label", "firm", "firm_label", "role"], rows)


def _text(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    """A term's value (its IRI, label or lexical form), as a query solution gives it."""
    return str(term) if isinstance(term, ox.Triple) else term.value


def _smallest(store: ox.Store, predicate: str, subjects: set[str] | None = None) -> dict[str, str]:
    """``{subject: the smallest object}`` of the triples of ``predicate`` (a CURIE) in any graph, for ``subjects``
    (all when None): read by pattern, without a join, several times faster than the query."""
    found: dict[str, str] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(expand(predicate)), None, None):
        a, b = _text(quad.subject), _text(quad.object)
        if (subjects is None or a in subjects) and (a not in found or b < found[a]):
            found[a] = b
    return found


def _typed(store: ox.Store, cls: str) -> set[str]:
    """The subjects of ``rdf:type cls`` (a CURIE) in any graph."""
    rdf_type, node = ox.NamedNode(expand("rdf:type")), ox.NamedNode(expand(cls))
    return {_text(quad.subject) for quad in store.quads_for_pattern(None, rdf_type, node, None)}


def evidence_csv(store: ox.Store, facts: Facts) -> str:
    """The evidence table (each column read by its own pattern, joined here: faster than one big join with
    optional parts)."""
    selectors: dict[str, set[str]] = defaultdict(set)
    for quad in store.quads_for_pattern(None, ox.NamedNode(expand("oa:hasSelector")), None, None):
        selectors[_text(quad.subject)].add(_text(quad.object))

    def of_selector(predicate: str) -> dict[str, str]:
        values = _smallest(store, predicate)
        found = {a: min(values[q] for q in qs if q in values) for a, qs in selectors.items() if qs & values.keys()}
        return found

    quote, start, end = of_selector("oa:exact"), of_selector("oa:start"), of_selector("oa:end")
    evidence = _typed(store, "aa:Evidence")
    attribution = _smallest(store, "aa:attribution", evidence)
    source = _smallest(store, "oa:hasSource", evidence)
    publisher = _smallest(store, "dcterms:publisher", _typed(store, "aa:SourceDocument"))
    rows = set()
    for row in select(store, "SELECT DISTINCT ?x ?e WHERE { ?x aa:evidence ?e }"):
        e, supports = row["e"].value, row["x"].value
        doc = source.get(e, "")
        document = facts.resources.get(doc)
        rows.add(
            (
                e,
                supports,
                _label(facts, supports),
                quote.get(e, ""),
                humanize(local_name(attribution[e])) if e in attribution else "",
                start.get(e, ""),
                end.get(e, ""),
                doc,
                document.label if document else "",
                publisher.get(doc, ""),
                document.date if document else "",
            )
        )
    ordered = sorted(rows, key=lambda r: (r[7], int(r[5]) if r[5].isdigit() else 0, r[0], r[1]))
    return _csv(
        [
            "evidence",
            "supports",
            "supports_label",
            "quote",
            "attribution",
            "start",
            "end",
            "document",
            "document_title",
            "publisher",
            "issued",
        ],
        ordered,
    )


def firms_csv(store: ox.Store, facts: Facts) -> str:
    """The firms table."""
    alt = _multi(select(store, "SELECT DISTINCT ?f ?l WHERE { ?f a aa:Firm ; skos:altLabel ?l }"), "f", "l")
    legal = _multi(select(store, "SELECT DISTINCT ?f ?l WHERE { ?f a aa:Firm ; schema:legalName ?l }"), "f", "l")
    country = _multi(select(store, "SELECT DISTINCT ?f ?c WHERE { ?f a aa:Firm ; aa:countryCode ?c }"), "f", "c")
    kind = _multi(select(store, "SELECT DISTINCT ?f ?k WHERE { ?f a aa:Firm ; aa:firmKind ?k }"), "f", "k")
    parents = _multi(select(store, "SELECT DISTINCT ?f ?p WHERE { ?f a aa:Firm ; aa:subsidiaryOf ?p }"), "f", "p")
    wikidata = _multi(
        select(
            store,
            """SELECT DISTINCT ?f ?w WHERE { ?f a aa:Firm ; owl:sameAs ?w
                                       FILTER(STRSTARTS(STR(?w), STR(wd:))) }""",
        ),
        "f",
        "w",
    )
    rows = []
    for iri, r in sorted(facts.resources.items()):
        if r.kind == "firm":
            rows.append(
                [
                    iri,
                    r.label,
                    "; ".join(alt.get(iri, [])),
                    "; ".join(legal.get(iri, [])),
                    "; ".join(country.get(iri, [])),
                    "; ".join(humanize(local_name(k)) for k in kind.get(iri, [])),
                    "; ".join(parents.get(iri, [])),
                    "; ".join(wikidata.get(iri, [])),
                    r.deals,
                    r.partners,
                ]
            )
    return _csv(
        ["firm", "label", "alt_labels", "legal_name", "country", "kind", "parents", "wikidata", "deals", "partners"],
        rows,
    )


@dataclass
class Network:
    """Firms and one edge per deal between two of its parties, with the deal's dates."""

    nodes: dict[str, dict[str, str]] = field(default_factory=dict)  # IRI -> label, kind
    edges: list[dict[str, str]] = field(default_factory=list)  # source, target, deal, label, kind, status, start, end


def full_date(lexical: str, end: bool = False) -> str:
    """A date at year, month or day precision as a full ``YYYY-MM-DD`` (the first day, or the last with
    ``end``); ``""`` when it is not a date."""
    parts = lexical[:10].split("-")
    try:
        year = int(parts[0])
        if len(parts) == 1:
            return f"{year:04d}-12-31" if end else f"{year:04d}-01-01"
        month = int(parts[1])
        if len(parts) == 2:
            last = calendar.monthrange(year, month)[1] if end else 1
            return f"{year:04d}-{month:02d}-{last:02d}"
        return f"{year:04d}-{month:02d}-{int(parts[2]):02d}"
    except (ValueError, IndexError):
        return ""


def partnership_network(facts: Facts) -> Network:
    """The partnership network of ``facts``."""
    network = Network()
    for deal, firms in sorted(facts.deal_parties.items()):
        resource = facts.resources.get(deal)
        if resource is None or resource.status not in ACTIVE_OR_ENDED or len(firms) < 2:
            continue
        dates = facts.deal_dates.get(deal, {})
        starts = [dates[p].value for p in ("announcedOn", "signedOn", "startsOn") if p in dates]
        start = full_date(min(starts)) if starts else ""
        end = full_date(dates["endedOn"].value, end=True) if "endedOn" in dates else ""
        for a, b in combinations(sorted(firms), 2):
            for firm in (a, b):
                network.nodes.setdefault(firm, {"label": _label(facts, firm)})
            network.edges.append(
                {
                    "source": a,
                    "target": b,
                    "deal": deal,
                    "label": resource.label,
                    "kind": resource.deal_kind,
                    "status": resource.status,
                    "start": start,
                    "end": end,
                }
            )
    return network


def network_as_of(network: Network, year: int) -> Network:
    """The edges whose deal had started by the end of ``year`` and had not ended before it, and their firms.
    Deals without a start date are left out."""
    first, last = f"{year:04d}-01-01", f"{year:04d}-12-31"
    edges = [e for e in network.edges if e["start"] and e["start"] <= last and (not e["end"] or e["end"] >= first)]
    firms = {f for e in edges for f in (e["source"], e["target"])}
    return Network({k: v for k, v in network.nodes.items() if k in firms}, edges)


EDGE_ATTRIBUTES = ("deal", "label", "kind", "status")


def graphml(network: Network) -> str:
    """``network`` as GraphML (an undirected multigraph; node ids are firm IRIs, dates as ISO strings)."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">',
        '<key id="n_label" for="node" attr.name="label" attr.type="string"/>',
    ]
    for name in (*EDGE_ATTRIBUTES, "start", "end"):
        out.append(f'<key id="e_{name}" for="edge" attr.name="{name}" attr.type="string"/>')
    out.append('<key id="e_start_year" for="edge" attr.name="start_year" attr.type="int"/>')
    out.append('<key id="e_end_year" for="edge" attr.name="end_year" attr.type="int"/>')
    out.append('<graph id="partnerships" edgedefault="undirected">')
    for iri, attrs in sorted(network.nodes.items()):
        out.append(f'<node id={quoteattr(iri)}><data key="n_label">{escape(attrs["label"])}</data></node>')
    for i, e in enumerate(network.edges):
        data = [
            f'<data key="e_{name}">{escape(e[name])}</data>' for name in (*EDGE_ATTRIBUTES, "start", "end") if e[name]
        ]
        data += [f'<data key="e_{name}_year">{e[name][:4]}</data>' for name in ("start", "end") if e[name]]
        out.append(
            f'<edge id="e{i}" source={quoteattr(e["source"])} target={quoteattr(e["target"])}>'
            + "".join(data)
            + "</edge>"
        )
    out.append("</graph></graphml>")
    return "\n".join(out) + "\n"


def gexf(network: Network) -> str:
    """``network`` as dynamic GEXF 1.2: each edge lives from its deal's ``start`` to its ``end``."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<gexf xmlns="http://www.gexf.net/1.2draft" version="1.2">',
        "<meta><creator>autoalliance</creator>"
        "<description>Partnerships between automotive firms, one edge per deal</description></meta>",
        '<graph mode="dynamic" defaultedgetype="undirected" timeformat="date">',
        '<attributes class="edge" mode="static">',
    ]
    for i, name in enumerate(EDGE_ATTRIBUTES):
        out.append(f'<attribute id="{i}" title="{name}" type="string"/>')
    out.append("</attributes><nodes>")
    for iri, attrs in sorted(network.nodes.items()):
        out.append(f"<node id={quoteattr(iri)} label={quoteattr(attrs['label'])}/>")
    out.append("</nodes><edges>")
    for i, e in enumerate(network.edges):
        times = "".join(f" {name}={quoteattr(e[name])}" for name in ("start", "end") if e[name])
        values = "".join(
            f'<attvalue for="{j}" value={quoteattr(e[name])}/>' for j, name in enumerate(EDGE_ATTRIBUTES) if e[name]
        )
        out.append(
            f'<edge id="{i}" source={quoteattr(e["source"])} target={quoteattr(e["target"])}'
            f" label={quoteattr(e['label'])}{times}><attvalues>{values}</attvalues></edge>"
        )
    out.append("</edges></graph></gexf>")
    return "\n".join(out) + "\n"


def node_link(network: Network) -> str:
    """``network`` as networkx node-link JSON (``networkx.node_link_graph(data, edges="links")``)."""
    data = {
        "directed": False,
        "multigraph": True,
        "graph": {"name": "partnerships"},
        "nodes": [{"id": iri, **attrs} for iri, attrs in sorted(network.nodes.items())],
        "links": [{k: v for k, v in e.items() if v} | {"key": i} for i, e in enumerate(network.edges)],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def read_network(path: Path) -> Network:
    """The network of an exported ``network.json``."""
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes = {n["id"]: {k: v for k, v in n.items() if k != "id"} for n in data["nodes"]}
    edges = [
        {k: str(e.get(k, "")) for k in ("source", "target", *EDGE_ATTRIBUTES, "start", "end")} for e in data["links"]
    ]
    return Network(nodes, edges)


SERIALIZERS = {"graphml": graphml, "gexf": gexf, "json": node_link}


def _label(facts: Facts, iri: str) -> str:
    resource = facts.resources.get(iri)
    return resource.label if resource else local_name(iri)


def write_exports(store: ox.Store, target: Path, facts: Facts | None = None) -> dict[str, str]:
    """Write every export of the graph in ``store`` into ``target``; returns ``{file name: SHA-256}``.

    ``facts`` (from :func:`kg.sitedata.read_facts`) saves reading the store twice when the caller has them.
    """
    target.mkdir(parents=True, exist_ok=True)
    facts = facts or read_facts(store)
    network = partnership_network(facts)
    contents = {
        "deals.csv": deals_csv(store, facts),
        "parties.csv": parties_csv(facts),
        "evidence.csv": evidence_csv(store, facts),
        "firms.csv": firms_csv(store, facts),
        "network.graphml": graphml(network),
        "network.gexf": gexf(network),
        "network.json": node_link(network),
    }
    sums = {}
    for name, text in contents.items():
        data = text.encode("utf-8")
        tmp = target / (name + ".new")
        tmp.write_bytes(data)
        os.replace(tmp, target / name)
        sums[name] = hashlib.sha256(data).hexdigest()
    return sums


PARTS = ("all", "content", "rest")  # what write_site_data_and_exports writes: everything, content.tsv, the rest


def write_site_data_and_exports(store_path: Path, directory: Path, part: str = "all") -> dict[str, str]:
    """Write the site data (``directory/site``) and the exports (``directory/exports``) of the store at
    ``store_path``, or a ``part`` of them (``content``: ``content.tsv``; ``rest``: the others), so that two
    processes can share the work; returns the exports' ``{file name: SHA-256}`` (none for ``content``)."""
    store = ox.Store.read_only(str(store_path))
    sums: dict[str, str] = {}
    if part == "content":
        write_content(store, directory / "site")
    else:
        facts = read_facts(store)
        write_site_data(store, directory / "site", facts, content=part == "all")
        sums = write_exports(store, directory / "exports", facts)
    del store
    return sums


def main(argv: list[str]) -> int:
    """``python -m kg.exports PARENT-PID STORE DIRECTORY [PART]``: what a build runs in processes of its own;
    prints the exports' digests as JSON. The process ends when the build that started it ends."""
    parent, store_path, directory = int(argv[0]), Path(argv[1]), Path(argv[2])
    part = argv[3] if len(argv) > 3 else "all"
    if part not in PARTS:
        print(f"unknown part {part!r}: one of {', '.join(PARTS)}", file=sys.stderr)
        return 2
    die_with_parent()
    if os.getppid() != parent:  # the build ended before this process could ask to end with it
        return 1
    print(json.dumps(write_site_data_and_exports(store_path, directory, part)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
