"""``autoalliance validate FILE.yaml``: one annotation file checked in about a second, whatever the corpus size.

The file is parsed, its quotes anchored in its document, its references resolved, its graph mapped and checked
with the SHACL shapes, exactly as the build does for it. What it cites from elsewhere is looked up, not read
in full: registry entries and other documents' deals in the store of the last good build (one index lookup
each), plus the registry files changed since that build (and ``registry/<doc-id>.yaml``), which are parsed.
Without a build, every registry file is parsed and other documents' ids are scanned. What only the whole corpus
shows (an id defined twice in two new files, a cycle of ``expands`` across documents, HermiT's consistency
check) is left to ``autoalliance validate`` and ``autoalliance build``.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from . import iris
from .annotation_checks import check_corpus
from .annotations import _read_document, _read_registry  # one document and one registry file at a time
from .build import domain_slugs
from .config import Paths
from .errors import AnnotationError, AnnotationErrors, KGError, ValidationFailed, display
from .evidence import Anchor, anchor_quote
from .mapping import ENTITY_CLASSES, ENTITY_IRIS, map_document, map_registry
from .records import Alliance, Corpus, Deal, DealRef, Entity, Investigation, Quote
from .store import open_store, store_opens
from .validation import sparql_constraints_parsed_once, validate_dataset
from .vocab import AA
from .yamlread import Reader

ITEM_IRIS = {"deals": iris.deal, "alliances": iris.alliance, "investigations": iris.investigation}
_SECTION = re.compile(r"^(deals|alliances|investigations):", re.MULTILINE)
_ITEM_ID = re.compile(r"^  - id:\s*['\"]?([a-z0-9-]+)", re.MULTILINE)
_ITEM_KIND = re.compile(r"^    kind:\s*['\"]?([A-Za-z]+)", re.MULTILINE)
_NEXT_ITEM = re.compile(r"^  - |^\S", re.MULTILINE)
ITEM_CLASSES = {"deals": "Deal", "alliances": "Alliance", "investigations": "Investigation"}


@dataclass
class FileReport:
    """What a one-file check saw: the triples it validated, the registry files it parsed, its source of the
    rest of the corpus (``store`` or ``files``)."""

    triples: int
    registry_files: int
    corpus_source: str


def _display(path: Path, root: Path) -> str:
    shown = display(path.resolve(), root.resolve())
    return shown if shown != str(path.resolve()) else str(path)  # outside root: as the user gave it


def _term(name: str) -> URIRef | None:
    """``aa:<name>`` when the vocabulary has it (it is closed: an unknown name is no term)."""
    try:
        return AA[name]
    except (AttributeError, KeyError):
        return None


class Elsewhere:
    """What the rest of the corpus defines: from the last build's store, or by scanning the files."""

    def __init__(self, paths: Paths, doc_id: str) -> None:
        self.doc_graph = iris.document_graph(doc_id)
        self.store: ox.Store | None = open_store(paths.store) if store_opens(paths.store) else None
        self.built = paths.manifest.stat().st_mtime if self.store is not None and paths.manifest.exists() else None
        self.items: dict[str, dict[str, str]] = {kind: {} for kind in ITEM_IRIS}  # kind -> id -> defining file
        self.classes: dict[URIRef, URIRef] = {}  # item -> its class, when scanned
        if self.store is None:
            for path in sorted(paths.annotations.glob("*.yaml")):
                if path.stem != doc_id:
                    self._scan(path)

    def _scan(self, path: Path) -> None:
        text = path.read_text(encoding="utf-8", errors="replace")
        sections = [(m.start(), m.group(1)) for m in _SECTION.finditer(text)]
        for m in _ITEM_ID.finditer(text):
            kind = next((k for start, k in reversed(sections) if start < m.start()), None)
            if kind:
                self.items[kind].setdefault(m.group(1), path.stem)
                end = _NEXT_ITEM.search(text, m.end())
                declared = _ITEM_KIND.search(text, m.end(), end.start() if end else len(text))
                cls = declared.group(1) if declared and kind != "alliances" else ITEM_CLASSES[kind]
                self.classes[ITEM_IRIS[kind](m.group(1))] = _term(cls) or AA[ITEM_CLASSES[kind]]

    def registry_has(self, kind: str, slug: str) -> bool:
        if self.store is None:
            return False
        node = ox.NamedNode(str(ENTITY_IRIS[kind](slug)))
        cls = ox.NamedNode(str(ENTITY_CLASSES[kind]))
        return any(
            self.store.quads_for_pattern(node, ox.NamedNode(str(RDF.type)), cls, ox.NamedNode(str(iris.GRAPH_REGISTRY)))
        )

    def defined_in(self, kind: str, slug: str) -> str | None:
        """The other document that defines item ``slug`` of ``kind``, or None."""
        if self.store is None:
            return self.items[kind].get(slug)
        node = ox.NamedNode(str(ITEM_IRIS[kind](slug)))
        for quad in self.store.quads_for_pattern(node, ox.NamedNode(str(RDF.type)), None, None):
            graph = quad.graph_name.value if isinstance(quad.graph_name, ox.NamedNode) else ""
            if graph.startswith(str(iris.GRAPH) + "doc/") and graph != str(self.doc_graph):
                return graph.rsplit("/", 1)[-1]
        return None

    def types(self, node: URIRef) -> list[tuple[URIRef, URIRef, URIRef]]:
        """The ``rdf:type`` triples of ``node`` (what the shapes' ``sh:class`` needs): from the store, or the
        class its annotation file declares."""
        if self.store is None:
            return [(node, RDF.type, self.classes[node])] if node in self.classes else []
        return [
            (node, RDF.type, URIRef(q.object.value))
            for q in self.store.quads_for_pattern(ox.NamedNode(str(node)), ox.NamedNode(str(RDF.type)), None)
            if isinstance(q.object, ox.NamedNode)
        ]  # a class is named


_TOP_KEY = re.compile(r"^[A-Za-z_]+:")
_ENTRY = re.compile(r"^  - id:\s*['\"]?([a-z0-9-]+)['\"]?\s*(?:#.*)?$")


def _excerpt(text: str, wanted: set[str]) -> str | None:
    """``text`` with every registry entry blanked out but those of ``wanted``, line numbers kept (so messages
    still point into the real file); None when an entry is not laid out as ``  - id: <slug>`` at its top."""
    kept, keep, found = [], False, set()
    for line in text.split("\n"):
        entry = _ENTRY.match(line)
        if _TOP_KEY.match(line):
            keep = False
            kept.append(line)
            continue
        if entry or line.startswith("  - "):
            keep = entry is not None and entry.group(1) in wanted
            if entry is not None and keep:
                found.add(entry.group(1))
        kept.append(line if keep else "")
    return "\n".join(kept) if found else None


def _registry(
    paths: Paths, doc_id: str, wanted: set[str], root: Path, scratch: Path
) -> tuple[list[Entity], list[Reader]]:
    """The registry entries to parse: all of the document's own file (``registry/<doc-id>.yaml``) and, from the
    other files, only the entries of ``wanted`` (found by a text search: parsing a large registry file takes
    seconds)."""
    entities: list[Entity] = []
    readers: list[Reader] = []
    pattern = (
        re.compile(
            r"^\s*-?\s*id:\s*['\"]?(" + "|".join(map(re.escape, sorted(wanted))) + r")['\"]?\s*(?:#.*)?$", re.MULTILINE
        )
        if wanted
        else None
    )
    for path in sorted(paths.registry.glob("*.yaml")):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.stem != doc_id and not (pattern and pattern.search(text)):
            continue
        source = path
        excerpt = _excerpt(text, wanted) if path.stem != doc_id else None
        if excerpt is not None:
            source = scratch / path.name
            source.write_text(excerpt, encoding="utf-8")
        reader = Reader(source, _display(path, root))
        entities.extend(_read_registry(reader))
        readers.append(reader)
    return entities, readers


def _registry_closure(
    paths: Paths, doc_id: str, wanted: set[str], root: Path, scratch: Path, elsewhere: Elsewhere
) -> tuple[list[Entity], list[Reader]]:
    """The registry entries wanted, and those they cite in turn (a new person's firm, a firm's parent)."""
    while True:
        entities, readers = _registry(paths, doc_id, wanted, root, scratch)
        more = {
            r.slug
            for rd in readers
            for r in rd.references
            if r.kind in ENTITY_IRIS and not elsewhere.registry_has(r.kind, r.slug)
        } - wanted
        if not more:
            return entities, readers
        wanted |= more


def check_file(annotation: Path, paths: Paths | None = None) -> FileReport:
    """Check one annotation file against its document, the registry, the rest of the corpus and the shapes.

    Raises :class:`AnnotationErrors` with every located problem (exit code 2), :class:`ValidationFailed` when
    the file's graph breaks the shapes (exit code 1), :class:`KGError` when the file cannot be checked.
    """
    paths = paths or Paths()
    annotation = Path(annotation)
    if annotation.suffix != ".yaml" or not annotation.is_file():
        raise KGError(f"{annotation}: no such annotation file (<seeds>/annotations/<doc-id>.yaml)")
    root = paths.seeds.resolve().parent
    doc_id = annotation.stem
    text_path = paths.documents / f"{doc_id}.txt"
    display = _display(annotation, root)
    if not text_path.is_file():
        raise AnnotationErrors([AnnotationError(display, 1, 1, f"no document {doc_id}.txt in {paths.documents}")])
    try:
        text = text_path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise AnnotationErrors([AnnotationError(_display(text_path, root), 1, 1, f"not UTF-8: {exc.reason}")]) from exc

    domains = Graph().parse(paths.ontology / "domains.ttl", format="turtle")  # the shapes load the rest
    elsewhere = Elsewhere(paths, doc_id)
    reader = Reader(annotation, display)
    doc = _read_document(reader, doc_id, text)
    wanted = {r.slug for r in reader.references if r.kind in ENTITY_IRIS and not elsewhere.registry_has(r.kind, r.slug)}
    scratch = Path(tempfile.mkdtemp(prefix="autoalliance-check-"))
    try:
        entities, readers = _registry_closure(paths, doc_id, wanted, root, scratch, elsewhere)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    readers.append(reader)
    errors: list[AnnotationError] = []
    if doc is not None:
        for kind, items in (("deals", doc.deals), ("alliances", doc.alliances), ("investigations", doc.investigations)):
            for item in items:
                other = elsewhere.defined_in(kind, item.id)
                if other:
                    errors.append(
                        AnnotationError(
                            item.loc.path,
                            item.loc.line,
                            item.loc.col,
                            f"{kind[:-1]} '{item.id}' is already defined in document {other}; use 'ref' to cite it",
                        )
                    )
    cited: list[URIRef] = []
    for r in readers:  # references the rest of the corpus resolves are not the checks' business
        kept = []
        for ref in r.references:
            if ref.kind in ENTITY_IRIS and elsewhere.registry_has(ref.kind, ref.slug):
                cited.append(ENTITY_IRIS[ref.kind](ref.slug))
            elif ref.kind in ITEM_IRIS and elsewhere.defined_in(ref.kind, ref.slug):
                cited.append(ITEM_IRIS[ref.kind](ref.slug))
            else:
                kept.append(ref)
        r.references[:] = kept
    corpus = Corpus([doc] if doc is not None else [], entities)
    errors += [e for r in readers for e in r.errors]
    errors += check_corpus(corpus, readers, domain_slugs(domains))
    anchors: dict[Quote, Anchor] = {}
    evidenced: list[Deal | DealRef | Alliance | Investigation] = (
        [*doc.deals, *doc.refs, *doc.alliances, *doc.investigations] if doc is not None else []
    )
    for part in evidenced:
        for quote in part.evidence:
            try:
                anchors[quote] = anchor_quote(text, quote.exact, quote.prefix, quote.suffix)
            except LookupError as exc:
                errors.append(AnnotationError(quote.loc.path, quote.loc.line, quote.loc.col, str(exc)))
    if errors or doc is None:
        raise AnnotationErrors(sorted(errors, key=lambda e: (e.path, e.line, e.col, e.message)))

    graph = Graph()
    graph += map_document(doc, anchors)
    graph += map_registry(Corpus([], entities))
    own = set(graph.subjects()) - set(cited)  # what this file (and the registry files read) describes
    for node in cited:
        for triple in elsewhere.types(node):
            graph.add(triple)
    triples = len(graph)
    with sparql_constraints_parsed_once():
        report = validate_dataset(graph, paths.ontology, in_place=True)
    # a node only cited (typed for sh:class) is judged where it is described, as the build does
    findings = [f for f in report.results if URIRef(f.focus) in own]
    violations = [f for f in findings if f.severity == "Violation"]
    if violations:
        raise ValidationFailed(f"{len(violations)} SHACL violation(s)", [f.line() for f in findings])
    return FileReport(triples, len(readers) - 1, "store" if elsewhere.store is not None else "files")
