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
import contextlib
import csv
import hashlib
import io
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .iris import PREFIXES
from .lock import die_with_parent, return_free_memory
from .sitedata import (
    CONTENT,
    DEAL_DATES,
    EVIDENCE,
    SOURCE_DOCUMENT,
    SUMMARY,
    TYPE,
    Blank,
    Facts,
    Obj,
    Record,
    deal_classes,
    expand,
    facts_of,
    humanize,
    load_records,
    local_name,
    read_content,
    read_facts,
    read_records,
    save_records,
    subject_triples,
    text,
    update_content,
    update_records,
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


def _texts(facts: Facts, subject: str | Blank, curie: str) -> list[str]:
    """The IRIs and lexical forms of ``subject``'s objects of ``curie``, distinct and sorted."""
    values = facts.values(subject, curie)
    return [text(values[0])] if len(values) == 1 else sorted({text(o) for o in values})


def _least(values: tuple[Obj, ...]) -> str | None:
    """The smallest IRI or lexical form of ``values`` (None when there are none)."""
    return min(map(text, values)) if values else None


def _smallest(facts: Facts, subject: str | Blank, curie: str) -> str | None:
    return _least(facts.values(subject, curie))


def deals_csv(facts: Facts) -> str:
    """The deals table."""
    rows = []
    for iri, r in sorted(facts.resources.items()):
        if r.kind != "deal":
            continue
        dates = facts.deal_dates.get(iri, {})
        domains = sorted(
            {label for x in _texts(facts, iri, "aa:domain") for label in _texts(facts, x, "skos:prefLabel")}
        )
        nodes = [o for o in facts.values(iri, "aa:value") if not isinstance(o, tuple)]  # IRIs and blank nodes
        value = [
            (_smallest(facts, nodes[0], c) or "") if nodes else ""
            for c in ("schema:value", "schema:maxValue", "schema:currency")
        ]
        rows.append(
            [
                iri,
                r.label,
                r.deal_kind,
                r.status,
                *(dates[p].value if p in dates else "" for p in DEAL_DATES),
                *value,
                "; ".join(domains),
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


def evidence_csv(facts: Facts) -> str:
    """The evidence table: one row per statement ``?x aa:evidence ?e``, with what the quote ``?e`` and its
    selectors and source document say."""
    records = facts.records
    has_selector, exact, start, end, source, attributed, publisher = (
        expand(c)
        for c in (
            "oa:hasSelector",
            "oa:exact",
            "oa:start",
            "oa:end",
            "oa:hasSource",
            "aa:attribution",
            "dcterms:publisher",
        )
    )

    def smallest(record: Record | Blank, predicate: str) -> str:  # predicate: an IRI, looked up in the record
        return _least(record.get(predicate, ())) or ""

    quotes: dict[str, tuple[str, ...]] = {}  # what a row says about its quote

    def quote(e: str) -> tuple[str, ...]:
        found = quotes.get(e)
        if found is None:
            record = records.get(e, {})
            selectors = [
                q if isinstance(q, dict) else records.get(q, {})
                for q in record.get(has_selector, ())
                if not isinstance(q, tuple)
            ]

            def of_selector(predicate: str) -> str:
                return min((smallest(q, predicate) for q in selectors if q.get(predicate)), default="")

            quoted = EVIDENCE in record.get(TYPE, ())
            doc = smallest(record, source) if quoted else ""
            attribution = smallest(record, attributed) if quoted else ""
            document = facts.resources.get(doc)
            doc_record = records.get(doc, {})
            found = quotes[e] = (
                of_selector(exact),
                humanize(local_name(attribution)) if attribution else "",
                of_selector(start),
                of_selector(end),
                doc,
                document.label if document else "",
                smallest(doc_record, publisher) if SOURCE_DOCUMENT in doc_record.get(TYPE, ()) else "",
                document.date if document else "",
            )
        return found

    predicate = expand("aa:evidence")
    rows = {
        (e, supports, _label(facts, supports), *quote(e))
        for supports, record in facts.records.items()
        for e in {text(o) for o in record.get(predicate, ())}
    }
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


def firms_csv(facts: Facts) -> str:
    """The firms table."""
    rows = []
    for iri, r in sorted(facts.resources.items()):
        if r.kind == "firm":
            rows.append(
                [
                    iri,
                    r.label,
                    "; ".join(_texts(facts, iri, "skos:altLabel")),
                    "; ".join(_texts(facts, iri, "schema:legalName")),
                    "; ".join(_texts(facts, iri, "aa:countryCode")),
                    "; ".join(humanize(local_name(k)) for k in _texts(facts, iri, "aa:firmKind")),
                    "; ".join(_texts(facts, iri, "aa:subsidiaryOf")),
                    "; ".join(w for w in _texts(facts, iri, "owl:sameAs") if w.startswith(PREFIXES["wd"])),
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


def write_exports(store: ox.Store | None, target: Path, facts: Facts | None = None) -> dict[str, str]:
    """Write every export of the graph in ``store`` into ``target``; returns ``{file name: SHA-256}``.

    ``facts`` (from :func:`kg.sitedata.read_facts`) saves reading the store when the caller has them.
    """
    target.mkdir(parents=True, exist_ok=True)
    if facts is None:
        assert store is not None, "write_exports needs a store or its facts"
        facts = read_facts(store)
    network = partnership_network(facts)
    contents = {
        "deals.csv": deals_csv(facts),
        "parties.csv": parties_csv(facts),
        "evidence.csv": evidence_csv(facts),
        "firms.csv": firms_csv(facts),
        "network.graphml": graphml(network),
        "network.gexf": gexf(network),
        "network.json": node_link(network),
    }
    sums = {}
    for name, content in contents.items():
        data = content.encode("utf-8")
        tmp = target / (name + ".new")
        tmp.write_bytes(data)
        os.replace(tmp, target / name)
        sums[name] = hashlib.sha256(data).hexdigest()
    return sums


PARTS = ("all", "content", "rest")  # what write_site_data_and_exports writes: everything, content.tsv, the rest


def write_site_data_and_exports(
    store_path: Path,
    directory: Path,
    part: str = "all",
    previous: Path | None = None,
    subjects: set[str] | None = None,
) -> dict[str, str]:
    """Write the site data (``directory/site``) and the exports (``directory/exports``) of the store at
    ``store_path``, or a ``part`` of them (``content``: ``content.tsv``; ``rest``: the others), so that two
    processes can share the work; returns the exports' ``{file name: SHA-256}`` (none for ``content``).

    With ``previous``, the directory of a build whose store differs from this one only in the statements of
    ``subjects``, its records and content rows are updated instead of read again from the whole store (the same
    files either way; when it lacks them, everything is read).
    """
    store = ox.Store.read_only(str(store_path))
    site = directory / "site"
    site.mkdir(parents=True, exist_ok=True)
    sums: dict[str, str] = {}
    if part in ("all", "content"):
        rows = read_content(previous / "site" / CONTENT) if previous is not None and subjects is not None else None
        write_content(store, site, None if rows is None or subjects is None else update_content(rows, store, subjects))
    if part in ("all", "rest"):
        updated = _updated(store, previous, subjects) if previous is not None and subjects is not None else None
        records, triples = updated if updated is not None else (read_records(store), None)
        return_free_memory()  # what reading the records built and dropped
        facts = facts_of(records, deal_classes(store))
        # After a change, the exports are written beside the rest, in a forked child: faster, but it copies much
        # of this process's memory (the records), so a clean build, whose peak memory matters more, does not.
        parallel = updated is not None
        with _beside(lambda: write_exports(None, directory / "exports", facts), parallel) as exported:
            write_site_data(store, site, facts, content=False, triples=triples)
            save_records(records, site)
        sums = exported[0]
    del store
    return sums


@contextlib.contextmanager
def _beside(work: Callable[[], dict[str, str]], parallel: bool = True) -> Iterator[list[dict[str, str]]]:
    """Run ``work`` in a forked child (it shares this process's memory: the facts are not computed twice) while
    the body of the ``with`` runs (on one core, or unless ``parallel``, after it); its result is then the one
    item of the list yielded."""
    result: list[dict[str, str]] = []
    if not parallel or (os.cpu_count() or 1) < 2:
        yield result
        result.append(work())
        return
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its result as JSON on the pipe, or its error on standard error
        code = 1
        try:
            os.close(read)
            die_with_parent()
            with os.fdopen(write, "w", encoding="utf-8") as out:
                json.dump(work(), out)
            code = 0
        except BaseException:  # noqa: BLE001 - reported, and the exit code says it failed
            traceback.print_exc()
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, encoding="utf-8") as answer:
        try:
            yield result
        except BaseException:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise
        output = answer.read()
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise RuntimeError(f"writing the exports failed (exit status {status})")
    result.append(json.loads(output))


def _updated(store: ox.Store, previous: Path, subjects: set[str]) -> tuple[dict[str, Record], int] | None:
    """The records of ``store`` and its number of distinct triples, from those of the ``previous`` build and
    the ``subjects`` whose statements changed since; None when that build lacks them."""
    records, triples = load_records(previous / "site"), _previous_triples(previous)
    if records is None or triples is None:
        return None
    try:
        old = ox.Store.read_only(str(previous / "store"))
    except OSError:
        return None
    triples += subject_triples(store, subjects) - subject_triples(old, subjects)
    del old
    return update_records(records, store, subjects), triples


def _previous_triples(previous: Path) -> int | None:
    try:
        summary = json.loads((previous / "site" / SUMMARY).read_text(encoding="utf-8"))
        return int(summary["counts"]["triples"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def main(argv: list[str]) -> int:
    """``python -m kg.exports PARENT-PID STORE DIRECTORY [PART [PREVIOUS]]``: what a build runs in processes of
    its own; prints the exports' digests as JSON. With ``PREVIOUS`` (see :func:`write_site_data_and_exports`),
    the subjects whose statements changed are read from standard input, one IRI per line. The process ends when
    the build that started it ends."""
    parent, store_path, directory = int(argv[0]), Path(argv[1]), Path(argv[2])
    part = argv[3] if len(argv) > 3 else "all"
    previous = Path(argv[4]) if len(argv) > 4 else None
    if part not in PARTS:
        print(f"unknown part {part!r}: one of {', '.join(PARTS)}", file=sys.stderr)
        return 2
    die_with_parent()
    if os.getppid() != parent:  # the build ended before this process could ask to end with it
        return 1
    subjects = {line.strip() for line in sys.stdin if line.strip()} if previous is not None else None
    print(json.dumps(write_site_data_and_exports(store_path, directory, part, previous, subjects)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
