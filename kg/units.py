"""One document is the unit of work: read, anchor, map and validate it alone, cached by what it depends on.

Two steps per document, each a pure function of its inputs and cached under ``var/cache/``:

1. :func:`read_unit` parses the annotation file against the registry's ids and the ontology's domains, anchors
   its quotes and maps it to the triples of ``graph:doc/<id>``. Its key: the text, the annotations, the
   registry, the ontology and the software version. It returns a small summary (problems, what the document
   defines and which items of other documents it cites) and stores the graph's sorted N-Quads under the
   graph's own digest.
2. :func:`check_units` runs the SHACL shapes on that graph, with the ontology's class hierarchy and the types of
   the nodes it cites from elsewhere (the registry, other documents): a few hundred triples, whatever the size
   of the corpus. Its key: the graph, those cited types, the shapes and the ontology.

Both run in a pool of processes (:func:`run_units`), one task per document; the parent keeps only summaries.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, RDFS

from . import __version__, iris
from .annotation_checks import _check_dates, _check_parties  # one deal at a time; see kg.corpus_checks
from .annotations import MAX_ANNOTATION_BYTES, MAX_DOCUMENT_BYTES, _read_document
from .cache import Cache, digest, file_digest
from .dumps import graph_digest, graph_parts
from .errors import AnnotationError, display
from .evidence import Anchor, anchor_quote
from .lock import die_with_parent
from .mapping import ENTITY_CLASSES, ENTITY_IRIS, map_document
from .reasoning import add_parsed
from .records import KIND_NAMES, Alliance, Deal, DealRef, Investigation, Quote
from .validation import Finding, Shapes
from .vocab import AA
from .yamlread import Reader, read_text

# Items a document defines, which other documents may cite: kind -> how their IRI is minted.
ITEM_IRIS: dict[str, Callable[[str], URIRef]] = {
    "deals": iris.deal,
    "alliances": iris.alliance,
    "investigations": iris.investigation,
}
DOC_GRAPH_PREFIX = str(iris.GRAPH) + "doc/"


@dataclass
class Context:
    """What every unit of one build shares: read once in the parent, inherited by the pool's processes."""

    ontology_dir: Path
    display_root: Path
    cache_root: Path
    domains: frozenset[str]
    registry_labels: dict[str, dict[str, str]]  # registry kind -> id -> label
    registry_digest: str
    ontology_digest: str
    shapes_digest: str
    schema: Graph  # the ontology's rdf:type and rdfs:subClassOf triples: what sh:class and targets follow
    _shapes: Shapes | None = None

    def shapes(self) -> Shapes:
        if self._shapes is None:
            self._shapes = Shapes(self.ontology_dir)
        return self._shapes


_CONTEXT: Context | None = None


def _context() -> Context:
    assert _CONTEXT is not None, "set_context() first"
    return _CONTEXT


def set_context(context: Context) -> None:
    """Make ``context`` the one the units of this process use (the pool's processes inherit it)."""
    global _CONTEXT
    _CONTEXT = context


def graph_nquads(graph: Graph, name: URIRef) -> bytes:
    """The triples of ``graph`` as sorted N-Quads lines of the named graph ``name`` (the pyoxigraph terms)."""
    data = graph.serialize(format="nt", encoding="utf-8")
    g = ox.NamedNode(str(name))
    lines = {
        str(ox.Quad(t.subject, t.predicate, t.object, g)) + " .\n"
        for t in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
    }
    return "".join(sorted(lines)).encode("utf-8")


def read_unit(doc_id: str, text_path: Path, annotation_path: Path) -> dict[str, Any]:
    """Step 1 for one document: its summary (cached); the graph's N-Quads go to the ``graphs`` cache.

    The summary holds ``errors`` (``[path, line, col, message]``), ``defines`` (``[kind, id, path, line, col,
    class IRI]``), ``cites`` (``[kind, id, path, line, col]``: items this document uses but does not define),
    ``stubs`` (the types of the registry nodes it uses, N-Triples lines), ``links`` (``[deal id, path, line,
    col, {key: [deal ids]}, shared value]``: what the checks of links and shared amounts across documents need),
    ``graph`` (the digest of its N-Quads), ``quads``, ``text`` and ``annotation`` (the SHA-256 of the text and
    annotation files, as :func:`kg.cache.file_digest` gives it; the text's is what :func:`kg.texts.write_texts`
    files the text under).
    """
    text_digest, annotation_digest = file_digest(text_path), file_digest(annotation_path)
    found = cached_unit(doc_id, text_path, annotation_path, (text_digest, annotation_digest))
    if found is not None:
        return found
    ctx = _context()
    summary = _read(doc_id, text_path, annotation_path, display(annotation_path, ctx.display_root))
    Cache(ctx.cache_root, "read").put_json(read_key(doc_id, annotation_path, (text_digest, annotation_digest)), summary)
    return {**summary, "text": text_digest, "annotation": annotation_digest}


def read_inputs(doc_id: str, annotation_path: Path, digests: tuple[str, str]) -> tuple[str, ...]:
    """What :func:`read_unit`'s summary of the document whose files have these ``digests`` depends on."""
    ctx = _context()
    return (
        __version__,
        doc_id,
        display(annotation_path, ctx.display_root),
        *digests,
        ctx.registry_digest,
        ctx.ontology_digest,
    )


def read_key(doc_id: str, annotation_path: Path, digests: tuple[str, str]) -> str:
    """The cache key of :func:`read_unit`'s summary (a digest of :func:`read_inputs`)."""
    version, *rest = read_inputs(doc_id, annotation_path, digests)
    return digest(version, "read", *rest)


def graph_cached(summary: dict[str, Any]) -> bool:
    """Whether the cache holds the graph of a summary."""
    return os.path.exists(Cache(_context().cache_root, "graphs").file(summary["graph"], ".nq"))


def cached_unit(doc_id: str, text_path: Path, annotation_path: Path, digests: tuple[str, str]) -> dict[str, Any] | None:
    """What :func:`read_unit` returns, when the cache has it for files of these ``digests`` (else None)."""
    ctx = _context()
    cached = Cache(ctx.cache_root, "read").get_json(read_key(doc_id, annotation_path, digests))
    if cached is None or not graph_cached(cached):
        return None
    return {**cached, "text": digests[0], "annotation": digests[1]}


def _read(doc_id: str, text_path: Path, annotation_path: Path, shown: str) -> dict[str, Any]:
    ctx = _context()
    summary: dict[str, Any] = {
        "id": doc_id,
        "errors": [],
        "defines": [],
        "cites": [],
        "stubs": [],
        "links": [],
        "graph": "",
        "quads": 0,
    }
    text_errors: list[AnnotationError] = []
    text = read_text(text_path, display(text_path, ctx.display_root), text_errors, MAX_DOCUMENT_BYTES)
    if text is None:
        summary["errors"] = [e.to_json() for e in text_errors]
        return summary
    reader = Reader(annotation_path, shown, MAX_ANNOTATION_BYTES)
    doc = _read_document(reader, doc_id, text)
    errors = reader.problems()
    defined: dict[str, set[str]] = {kind: set() for kind in ITEM_IRIS}
    if doc is not None:
        for kind, items in (("deals", doc.deals), ("alliances", doc.alliances), ("investigations", doc.investigations)):
            for item in items:
                cls = AA.Alliance if isinstance(item, Alliance) else AA[item.kind]
                summary["defines"].append([kind, item.id, *item.loc, str(cls)])
                defined[kind].add(item.id)
        for deal in doc.deals:
            errors.extend(_check_parties(deal))
            errors.extend(_check_dates(deal))
            links = {key: targets for key, targets in deal.links().items() if targets}
            shared = asdict(deal.value) if deal.value is not None and deal.value.shared else None
            if links or shared:  # for the checks across documents: cycles of links, shared amounts
                summary["links"].append([deal.id, *deal.loc, links, shared])
    stubs: set[str] = set()
    cites: set[tuple[str, str, str, int, int]] = set()
    for ref in reader.references:
        if ref.kind == "domains":
            if ref.slug not in ctx.domains:
                errors.append(
                    AnnotationError(
                        ref.loc.path,
                        ref.loc.line,
                        ref.loc.col,
                        f"unknown technology domain '{ref.slug}' (not in ontology/domains.ttl)",
                    )
                )
        elif ref.kind in ITEM_IRIS:
            if ref.slug not in defined[ref.kind]:
                cites.add((ref.kind, ref.slug, *ref.loc))
        elif ref.slug in ctx.registry_labels.get(ref.kind, ()):
            node = f"<{ENTITY_IRIS[ref.kind](ref.slug)}>"
            stubs.add(f"{node} <{RDF.type}> <{ENTITY_CLASSES[ref.kind]}> .\n")
            # with its label, so that the shapes of firms, people... find the stub complete and stay quiet
            stubs.add(f"{node} <{RDFS.label}> {ox.Literal(ctx.registry_labels[ref.kind][ref.slug])} .\n")
        else:
            message = f"unknown {KIND_NAMES[ref.kind]} '{ref.slug}' (not in the registry or annotations)"
            errors.append(AnnotationError(ref.loc.path, ref.loc.line, ref.loc.col, message))
    anchors: dict[Quote, Anchor] = {}
    if doc is not None:
        evidenced: list[Deal | DealRef | Alliance | Investigation] = [
            *doc.deals,
            *doc.refs,
            *doc.alliances,
            *doc.investigations,
        ]
        for part in evidenced:
            for quote in part.evidence:
                try:
                    anchors[quote] = anchor_quote(doc.text, quote.exact, quote.prefix, quote.suffix)
                except LookupError as exc:
                    errors.append(AnnotationError(quote.loc.path, quote.loc.line, quote.loc.col, str(exc)))
    summary["errors"] = [e.to_json() for e in errors]
    summary["cites"] = sorted(list(c) for c in cites)
    summary["stubs"] = sorted(stubs)
    if errors or doc is None:
        return summary
    data = graph_nquads(map_document(doc, anchors), iris.document_graph(doc_id))
    summary["graph"] = graph_digest(data)
    summary["quads"] = data.count(b"\n")
    Cache(ctx.cache_root, "graphs").put_bytes(summary["graph"], data, ".nq")
    # its parts of the dumps too, here in the pool: the dumps stage then only concatenates cached parts
    graph_parts(Cache(ctx.cache_root, "dumps"), data, summary["graph"])
    return summary


def triples_of(nquads: bytes) -> bytes:
    """N-Quads lines as the N-Triples of their triples (the graph names dropped)."""
    quads = ox.parse(nquads, format=ox.RdfFormat.N_QUADS)
    triples = (ox.Triple(q.subject, q.predicate, q.object) for q in quads)
    return ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""


def check_key(graph: str, cited: list[str]) -> str:
    """The cache key of the SHACL findings of the graph of digest ``graph`` with the ``cited`` types."""
    ctx = _context()
    return digest(__version__, "check", graph, *cited, ctx.shapes_digest, ctx.ontology_digest)


def check_units(units: list[tuple[str, str, list[str]]]) -> list[list[Any]]:
    """Step 2 for some documents ``(doc id, graph digest, cited)``: the SHACL findings of each (cached).

    ``cited`` are N-Triples lines typing the nodes a graph uses but does not describe (registry entries, items
    of other documents). The documents not in the cache are validated together, in one run of the shapes, and
    each finding goes to the document that describes its focus node; findings about nodes that are only cited
    are dropped (they are judged where they are described). Returns the findings of each unit, in order.
    """
    ctx = _context()
    cache = Cache(ctx.cache_root, "check")
    keys = [check_key(graph, cited) for _, graph, cited in units]
    results: list[list[Any] | None] = []
    for key in keys:
        cached = cache.get_json(key)
        results.append(cached["findings"] if cached is not None else None)
    todo = [i for i, r in enumerate(results) if r is None]
    if todo:
        owner: dict[str, int] = {}
        working = Graph()
        cited_lines: set[str] = set()
        for i in todo:
            _, graph_key, cited = units[i]
            data = Cache(ctx.cache_root, "graphs").get_bytes(graph_key, ".nq") or b""
            for subject in add_parsed(working, data) - _cited_nodes(cited):
                owner[str(subject)] = i
            cited_lines.update(cited)
        found: dict[int, list[list[Any]]] = {i: [] for i in todo}
        for f in validate_graph(working, sorted(cited_lines)):
            if f.focus in owner:
                found[owner[f.focus]].append(_finding(f))
        for i in todo:
            cache.put_json(keys[i], {"findings": found[i]})
            results[i] = found[i]
    return [r or [] for r in results]


def validate_graph(data: Graph, cited: list[str]) -> list[Finding]:
    """The shapes' findings on ``data`` (changed in place) seen with the ontology's classes and ``cited`` types."""
    ctx = _context()
    data += ctx.schema
    if cited:
        add_parsed(data, "".join(cited).encode("utf-8"), ox.RdfFormat.N_TRIPLES)
    return ctx.shapes().validate(data).results


def _cited_nodes(cited: Iterable[str]) -> set[URIRef]:
    return {URIRef(line[1 : line.index(">")]) for line in cited}


def _finding(f: Finding) -> list[Any]:
    return [f.focus, f.path, f.message, f.value, f.label, f.severity]


def finding(values: list[Any]) -> Finding:
    """A :class:`Finding` back from its cached form."""
    return Finding(*values)


def schema_triples(ontology: Graph) -> Graph:
    """The ontology's ``rdf:type`` and ``rdfs:subClassOf`` triples: what targets and ``sh:class`` follow."""
    schema = Graph()
    for p in (RDF.type, RDFS.subClassOf):
        for s, o in ontology.subject_objects(p):
            schema.add((s, p, o))
    return schema


# ---------------------------------------------------------------------------------------------------------------
# The pool
# ---------------------------------------------------------------------------------------------------------------

# Below this many tasks the pool costs more than it saves.
_POOL_FROM = 16


def workers() -> int:
    """How many processes units run in: ``AUTOALLIANCE_JOBS``, else the number of cores."""
    env = os.environ.get("AUTOALLIANCE_JOBS")
    return max(1, int(env)) if env else max(1, os.cpu_count() or 1)


def _call(args: tuple[Callable[..., Any], tuple[Any, ...]]) -> Any:
    f, a = args
    return f(*a)


def run_units(f: Callable[..., Any], tasks: list[tuple[Any, ...]], context: Context) -> Iterator[Any]:
    """``f(*task)`` for every task, in task order, in a pool of :func:`workers` processes sharing ``context``."""
    set_context(context)
    n = workers()
    if n == 1 or len(tasks) < _POOL_FROM:
        yield from (f(*task) for task in tasks)
        return
    # fork: the children inherit the context (the registry's ids, the schema) without pickling it per task.
    with ProcessPoolExecutor(n, mp_context=multiprocessing.get_context("fork"), initializer=die_with_parent) as pool:
        yield from pool.map(_call, ((f, task) for task in tasks), chunksize=max(1, min(64, len(tasks) // (8 * n))))
