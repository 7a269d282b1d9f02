"""The whole pipeline, stage after stage; ``kg.cli`` and the server call it.

One document is the unit of work (:mod:`kg.units`): read, anchored, mapped and validated alone, in a pool of
processes, cached under ``var/cache/`` by a digest of exactly what it depends on. The corpus-wide checks read
the documents' summaries (:mod:`kg.corpus_checks`). Then the graphs stream into a new Oxigraph store, where
the inference rules run as SPARQL updates and the checks that need the whole graph run as SPARQL; the dumps
are streamed out of it. A build writes a new directory ``var/builds/<build-id>/`` (store, dumps, site data,
exports, ``build.json``) and makes it current in one atomic step, or raises and leaves ``var/current`` as it
was: the last good build stays served. One build runs at a time (``var/build.lock``).

A build after a change redoes only the work of the changed documents (the rest comes from the cache, found
through the last build's memos: file digests by file status, summaries, SHACL findings, HermiT's verdicts), and
the whole-graph stages, for the nodes the change touches where they can; the site data and exports are updated
for the subjects whose statements changed (:func:`kg.exports.write_site_data_and_exports`). Its store and dumps
are byte for byte those of a clean build of the same inputs, its site data and exports the same.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, SKOS

from . import __version__, iris, sitedata
from .atomic import begin_build, current_build, make_current
from .cache import Cache, FileDigests, Memo, digest, file_digest, files_digest
from .config import Paths
from .corpus_checks import check_corpus, cited_types, read_registry
from .dumps import graph_digest, write_dumps
from .errors import AnnotationError, AnnotationErrors, KGError, ReasoningError, ValidationFailed, display
from .exports import write_site_data_and_exports
from .lock import build_lock, return_free_memory
from .mapping import map_registry
from .ontology import ONTOLOGY_FILES, SHAPES_FILE, load_ontology
from .reasoning import ReasonerOntology, clash_report, find_clashes, hermit_run, infer_in_store, reasoner_data
from .records import Corpus
from .releases import record_release
from .store import store_opens
from .texts import copy_ontology, write_texts
from .units import (
    Context,
    cached_unit,
    check_key,
    check_units,
    finding,
    graph_cached,
    graph_nquads,
    read_inputs,
    read_unit,
    run_units,
    schema_triples,
    set_context,
    workers,
)
from .validation import Shapes, ValidationReport
from .vocab import AA

Progress = Callable[[str], None]

# Documents per HermiT run: bounds the reasoner's memory whatever the size of the corpus.
HERMIT_BATCH = 5000
# Documents per SHACL task: large enough to spread pySHACL's fixed cost, small enough to bound memory.
SHACL_BATCH = 200


def _quiet(_: str) -> None:
    pass


def domain_slugs(ontology: Graph) -> set[str]:
    """The slugs of the technology domains defined in the ontology graph."""
    prefix = str(iris.DOMAIN)
    return {
        str(c)[len(prefix) :]
        for c in ontology.subjects(SKOS.inScheme, AA.TechnologyDomains)
        if str(c).startswith(prefix)
    } | {str(c)[len(prefix) :] for c in ontology.subjects(RDF.type, AA.TechnologyDomain) if str(c).startswith(prefix)}


def input_files(paths: Paths) -> list[Path]:
    """Every file whose content the build depends on, in a stable order."""
    files = [
        *sorted(paths.documents.glob("*.txt")),
        *sorted(paths.annotations.glob("*.yaml")),
        *sorted(paths.registry.glob("*.yaml")),
        *sorted(paths.ontology.glob("*.ttl")),
    ]
    return [f for f in files if f.is_file()]


def input_digest(paths: Paths) -> str:
    """SHA-256 over the inputs' names and contents and the software version: equal digests, equal builds. A file
    whose status is that of the last build's read is not read again (:class:`~kg.cache.FileDigests`)."""
    h = hashlib.sha256(f"autoalliance {__version__}\n".encode())
    digests = FileDigests(paths.cache)
    for path in input_files(paths):
        h.update(f"{path.parent.name}/{path.name}\n".encode())
        known = digests.get(path, FileDigests.status(path))
        h.update(bytes.fromhex(known) if known is not None else hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def needs_build(paths: Paths) -> bool:
    """True when there is no good build, its store cannot be opened, it lacks an output the server reads (a build
    of an earlier version), or its inputs differ from the current ones."""
    try:
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    if not (paths.texts.is_dir() and paths.published_ontology.is_dir()):
        return True
    return manifest.get("digest") != input_digest(paths) or not store_opens(paths.store)


def build_id(input_digest_: str) -> str:
    """A new build's id: when it started (UTC to the microsecond, sortable) and the start of its input digest.

    Two builds of the same inputs within one second get different ids (with whole seconds they collided, and the
    second build's switch removed the directory the current build was served from).
    """
    now = time.time()
    stamp = time.strftime("%Y%m%dT%H%M%S", time.gmtime(now)) + f".{int(now % 1 * 1_000_000):06d}Z"
    return stamp + "-" + input_digest_[:12]


# ---------------------------------------------------------------------------------------------------------------
# Checking: every stage that can find a problem, writing nothing but the cache
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class Checked:
    """The inputs, read and checked document by document: what the store is loaded from."""

    paths: Paths
    cache: Path
    ontology: Graph
    ontology_nquads: bytes
    registry_nquads: bytes
    documents: list[dict[str, Any]]  # the units' summaries, in document order
    report: ValidationReport
    counts: dict[str, int] = field(default_factory=dict)

    def graphs(self) -> Cache:
        return Cache(self.cache, "graphs")

    def document_nquads(self, summary: dict[str, Any]) -> bytes:
        data = self.graphs().get_bytes(summary["graph"], ".nq")
        if data is None:
            raise KGError(f"the cache lost the graph of {summary['id']}; run the build again")
        return data


def _list_documents(paths: Paths) -> tuple[list[tuple[str, Path, Path]], list[AnnotationError]]:
    from .iris import DOC_ID

    root = paths.seeds.parent
    texts = {p.stem: p for p in sorted(paths.documents.glob("*.txt"))}
    units, errors = [], []
    for path in sorted(paths.annotations.glob("*.yaml")):
        shown = display(path, root)
        if path.stem not in texts:
            errors.append(
                AnnotationError(shown, 1, 1, f"no document {path.stem}.txt in {display(paths.documents, root)}")
            )
        elif not DOC_ID.match(path.stem):
            errors.append(AnnotationError(shown, 1, 1, f"'{path.stem}' is not a valid document id"))
        else:
            units.append((path.stem, texts[path.stem], path))
    for stem, path in texts.items():
        if not (paths.annotations / f"{stem}.yaml").exists():
            errors.append(AnnotationError(display(path, root), 1, 1, f"document has no annotations/{stem}.yaml"))
    return units, errors


def _registry(
    paths: Paths, cache: Path, domains: set[str]
) -> tuple[list[AnnotationError], dict[str, dict[str, str]], bytes]:
    """The registry's problems, labels (kind -> id -> label) and graph, cached by the registry files' digest."""
    files = sorted(paths.registry.glob("*.yaml"))
    key = digest(
        __version__,
        "registry",
        str(paths.registry),
        str(paths.seeds.parent),
        files_digest(files, paths.registry),
        *sorted(domains),
    )
    entries = Cache(cache, "registry")
    cached = entries.get_json(key)
    if cached is not None:
        return [AnnotationError(*e) for e in cached["errors"]], cached["labels"], cached["nquads"].encode("utf-8")
    entities, errors = read_registry(paths.registry, paths.seeds.parent, domains)
    nquads = graph_nquads(map_registry(Corpus([], entities)), iris.GRAPH_REGISTRY)
    labels: dict[str, dict[str, str]] = {}
    for entity in entities:
        labels.setdefault(entity.kind, {})[entity.id] = entity.label
    entries.put_json(
        key,
        {
            "errors": [e.to_json() for e in errors],
            "labels": labels,
            "nquads": nquads.decode("utf-8"),
        },
    )
    return errors, labels, nquads


SUMMARY_KEPT = ("id", "graph", "quads", "text", "annotation")  # what a checked document's summary keeps
# In the cache, what the last build looked up, one file each (kg.cache.Memo): the documents' summaries, their SHACL
# findings, the keys HermiT found consistent.
READ_SUMMARIES, CHECK_FINDINGS, CONSISTENT = "read-summaries.marshal", "check-findings.marshal", "consistent.marshal"


def _read_units(units: list[tuple[str, Path, Path]], context: Context, cache: Path) -> list[dict[str, Any]]:
    """:func:`~kg.units.read_unit` of every document, in order: here, for the documents whose files have the
    status they had when last read (:class:`~kg.cache.FileDigests`), from the last build's summaries (one file)
    or the cache; in the pool for the rest."""
    digests = FileDigests(cache)
    set_context(context)
    memo = Memo(cache, READ_SUMMARIES)
    saved = memo.known
    found: list[dict[str, Any] | None] = []
    statuses: list[tuple[tuple[int, int, int, int], tuple[int, int, int, int]]] = []
    keys: list[tuple[str, ...] | None] = []
    for doc_id, text, annotation in units:
        status = (FileDigests.status(text), FileDigests.status(annotation))
        text_digest, annotation_digest = digests.get(text, status[0]), digests.get(annotation, status[1])
        hit, key = None, None
        if text_digest is not None and annotation_digest is not None:
            known = (text_digest, annotation_digest)
            key = read_inputs(doc_id, annotation, known)
            entry = saved.get(doc_id)
            if entry is not None and entry[0] == key and graph_cached(entry[1]):
                hit = {**entry[1], "text": text_digest, "annotation": annotation_digest}
            else:
                hit = cached_unit(doc_id, text, annotation, known)
        found.append(hit)
        statuses.append(status)
        keys.append(key)
    missing = [unit for unit, hit in zip(units, found, strict=True) if hit is None]
    read = iter(list(run_units(read_unit, missing, context)))
    summaries = [hit if hit is not None else next(read) for hit in found]
    keep = {}
    for (doc_id, text, annotation), status, key, hit, summary in zip(
        units, statuses, keys, found, summaries, strict=True
    ):
        digests.put(text, status[0], summary["text"])
        digests.put(annotation, status[1], summary["annotation"])
        own = {k: v for k, v in summary.items() if k not in ("text", "annotation")}
        if hit is None or key is None:  # read in the pool: its inputs are the files as they were read
            key = read_inputs(doc_id, annotation, (summary["text"], summary["annotation"]))
        keep[doc_id] = (key, own)
    digests.save()
    memo.save(keep)
    return summaries


def check_inputs(paths: Paths, progress: Progress = _quiet, cache: Path | None = None) -> Checked:
    """Read, map and check every input, one document at a time; write nothing but the cache (``cache``, by
    default ``paths.cache``).

    Raises :class:`~kg.errors.AnnotationErrors` for bad annotations, :class:`~kg.errors.ValidationFailed`
    when the data break the shapes (:class:`~kg.validation.ShapesCouldNotRun` when the shapes cannot run),
    :class:`~kg.errors.ReasoningError` when HermiT finds the data inconsistent
    (:class:`~kg.reasoning.ReasonerCouldNotRun` when it cannot run).
    """
    progress("loading the ontology")
    ontology = load_ontology(paths.ontology)
    Shapes(paths.ontology)  # a missing or broken shapes file stops the build before any work
    ontology_digest = files_digest([paths.ontology / n for n in (*ONTOLOGY_FILES,)], paths.ontology)
    shapes_digest = file_digest(paths.ontology / SHAPES_FILE)
    domains = domain_slugs(ontology)
    root = paths.seeds.parent
    progress("reading the registry")
    cache = cache or paths.cache
    errors, labels, registry_nquads = _registry(paths, cache, domains)
    context = Context(
        paths.ontology,
        root,
        cache,
        frozenset(domains),
        labels,
        graph_digest(registry_nquads),
        ontology_digest,
        shapes_digest,
        schema_triples(ontology),
    )
    units, listing_errors = _list_documents(paths)
    errors += listing_errors
    progress(f"reading {len(units)} documents")
    summaries = _read_units(units, context, cache)
    for summary in summaries:
        errors += [AnnotationError(*e) for e in summary["errors"]]
    corpus_errors, defined = check_corpus(summaries)
    errors += corpus_errors
    if errors:
        raise AnnotationErrors(sorted(errors, key=lambda e: (e.path, e.line, e.col)))
    cited = [cited_types(s, defined) for s in summaries]
    # What the later stages read of each summary; the rest (definitions, citations, links) is checked. Less to hold,
    # and less for the SHACL pool's processes, forked from this one, to share.
    summaries = [{k: s[k] for k in SUMMARY_KEPT if k in s} for s in summaries]
    del defined
    return_free_memory()
    ontology_nquads = graph_nquads(to_canonical_graph(ontology), iris.GRAPH_ONTOLOGY)

    progress("validating with SHACL")
    # HermiT runs meanwhile, in Java processes started by a thread of its own: on two cores the SHACL pool
    # and the JVM share the time the pool alone would leave to HermiT afterwards. SHACL's verdict comes first.
    stop = threading.Event()
    with ThreadPoolExecutor(1) as beside:
        reasoned = beside.submit(_reason, context, ontology, summaries, cited, registry_nquads, stop)
        try:
            report = _validate(context, summaries, cited, ontology_nquads, registry_nquads)
            if not report.conforms:
                raise ValidationFailed(f"{len(report.violations)} SHACL violation(s)", report.lines())
        except BaseException:
            stop.set()
            raise
        progress("checking consistency with HermiT")
        reasoned.result()
    counts = {
        s_graph: n
        for s_graph, n in (
            (str(iris.GRAPH_ONTOLOGY), ontology_nquads.count(b"\n")),
            (str(iris.GRAPH_REGISTRY), registry_nquads.count(b"\n")),
            *((str(iris.document_graph(s["id"])), s["quads"]) for s in summaries),
        )
        if n
    }
    return Checked(
        paths, cache, ontology, ontology_nquads, registry_nquads, summaries, report, dict(sorted(counts.items()))
    )


def _validate(
    context: Context,
    summaries: list[dict[str, Any]],
    cited: list[list[str]],
    ontology_nquads: bytes,
    registry_nquads: bytes,
) -> ValidationReport:
    graphs = Cache(context.cache_root, "graphs")
    base: list[tuple[str, str, list[str]]] = []
    for nquads in (ontology_nquads, registry_nquads):  # the ontology's domains and the registry, as units
        key = graph_digest(nquads)
        graphs.put_bytes(key, nquads, ".nq") if not graphs.path(key, ".nq").exists() else None
        base.append(("", key, []))
    set_context(context)
    memo = Memo(context.cache_root, CHECK_FINDINGS)
    keys = [check_key(s["graph"], c) for s, c in zip(summaries, cited, strict=True)]
    todo = [i for i, key in enumerate(keys) if key not in memo.known]  # the others: the last build's findings
    tasks = [[*base]] + [
        [(summaries[i]["id"], summaries[i]["graph"], cited[i]) for i in todo[n : n + SHACL_BATCH]]
        for n in range(0, len(todo), SHACL_BATCH)
    ]
    results = [found for batch in run_units(check_units, [(t,) for t in tasks], context) for found in batch]
    kept = {key: memo.known[key] for key in keys if key in memo.known}
    kept |= {keys[i]: found for i, found in zip(todo, results[len(base) :], strict=True)}
    memo.save(kept)
    findings = sorted(
        {finding(f) for found in [*results[: len(base)], *kept.values()] for f in found},
        key=lambda f: (f.focus, f.path or "", f.message),
    )
    return ValidationReport(conforms=not any(f.severity == "Violation" for f in findings), results=findings)


def _reason(
    context: Context,
    ontology: Graph,
    summaries: list[dict[str, Any]],
    cited: list[list[str]],
    registry_nquads: bytes,
    stop: threading.Event,
) -> None:
    """HermiT on the ontology and the registry, then on the documents not checked before, in bounded batches;
    no further batch once ``stop`` is set."""
    cache = Cache(context.cache_root, "consistent")
    prepared = ReasonerOntology.of(ontology)
    base_key = digest(__version__, "hermit", context.ontology_digest, context.registry_digest)
    if cache.get_bytes(base_key) is None:
        hermit_run(prepared, [reasoner_data(registry_nquads, prepared)])
        cache.put_bytes(base_key, b"")
    keys = [
        digest(__version__, "hermit", context.ontology_digest, s["graph"], *c)
        for s, c in zip(summaries, cited, strict=True)
    ]
    memo = Memo(context.cache_root, CONSISTENT)
    todo = [i for i, key in enumerate(keys) if key not in memo.known and cache.get_bytes(key) is None]
    graphs = Cache(context.cache_root, "graphs")
    for start in range(0, len(todo), HERMIT_BATCH):
        if stop.is_set():
            return
        batch = todo[start : start + HERMIT_BATCH]
        data = []
        for i in batch:
            data.append(reasoner_data(graphs.get_bytes(summaries[i]["graph"], ".nq") or b"", prepared))
            if cited[i]:
                data.append(reasoner_data("".join(cited[i]).encode("utf-8"), prepared, ox.RdfFormat.N_TRIPLES))
        hermit_run(prepared, data)
        for i in batch:
            cache.put_bytes(keys[i], b"")
    memo.save(dict.fromkeys(keys, True))


# ---------------------------------------------------------------------------------------------------------------
# Writing: the staged store, the whole-graph stages, the dumps
# ---------------------------------------------------------------------------------------------------------------


def _graph_nquads(checked: Checked) -> dict[str, tuple[str, Callable[[], bytes]]]:
    """Every asserted graph of ``checked``: IRI -> (digest, a function returning its sorted N-Quads)."""
    graphs: dict[str, tuple[str, Callable[[], bytes]]] = {}
    for name, nquads in (
        (iris.GRAPH_ONTOLOGY, checked.ontology_nquads),
        (iris.GRAPH_REGISTRY, checked.registry_nquads),
    ):
        graphs[str(name)] = (graph_digest(nquads), partial(bytes, nquads))
    for summary in checked.documents:
        graphs[str(iris.document_graph(summary["id"]))] = (summary["graph"], partial(checked.document_nquads, summary))
    return graphs


def _copy_store(source: Path, target: Path) -> None:
    """Copy a closed Oxigraph (RocksDB) store: its table files, never changed once written, as hard links."""

    def link_or_copy(src: str, dst: str) -> None:
        if src.endswith(".sst"):
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)

    shutil.copytree(source, target, copy_function=link_or_copy)


@dataclass
class Loaded:
    """The staged store, and what changed since the build it was copied from (None: loaded from scratch, or the
    ontology changed: every whole-graph stage runs over everything)."""

    store: ox.Store
    subjects: set[ox.NamedNode] | None = None  # subjects of the changed, added and removed graphs, old and new
    nodes: set[ox.NamedNode] | None = None  # every IRI of the changed and added graphs, as they are now
    terms: set[ox.NamedNode] | None = None  # every IRI of the changed, added and removed graphs, old and new


def _iris(quads: Iterable[ox.Quad], subjects: set[ox.NamedNode], nodes: set[ox.NamedNode] | None = None) -> None:
    for quad in quads:
        if isinstance(quad.subject, ox.NamedNode):
            subjects.add(quad.subject)
        if nodes is not None:
            nodes.update(t for t in (quad.subject, quad.object) if isinstance(t, ox.NamedNode))


def _load(checked: Checked, path: Path, previous: Path | None, progress: Progress) -> Loaded:
    """The store of ``checked`` at ``path``, and what changed.

    When ``previous`` (the directory of the last good build) holds a store and the digests of its graphs, the
    store is that one, copied, with only the graphs whose digest changed replaced (and its ``graph:inferred``
    kept for :func:`~kg.reasoning.infer_in_store` to update); otherwise every graph is loaded. Both give a store
    with the same asserted quads.
    """
    graphs = _graph_nquads(checked)
    old = _previous_digests(previous) if previous is not None else None
    if old is not None and previous is not None:
        try:
            _copy_store(previous / "store", path)
            store = ox.Store(str(path))
            changed = [g for g, (key, _) in graphs.items() if old.get(g) != key]
            gone = [g for g in old if g not in graphs]
            progress(f"updating the Oxigraph store ({len(changed)} graph(s) changed, {len(gone)} removed)")
            loaded = Loaded(store, set(), set(), set())
            if str(iris.GRAPH_ONTOLOGY) in [*changed, *gone]:
                store.remove_graph(ox.NamedNode(str(iris.GRAPH_INFERRED)))
                loaded = Loaded(store)
            for graph in [*gone, *changed]:
                if loaded.subjects is not None:
                    _iris(store.quads_for_pattern(None, None, None, ox.NamedNode(graph)), loaded.subjects, loaded.terms)
                store.remove_graph(ox.NamedNode(graph))
            new = [q for g in changed for q in ox.parse(graphs[g][1](), format=ox.RdfFormat.N_QUADS)]
            if loaded.subjects is not None:
                _iris(new, loaded.subjects, loaded.nodes)
                assert loaded.terms is not None and loaded.nodes is not None
                loaded.terms |= loaded.nodes
            store.bulk_extend(new)
            return loaded
        except (OSError, RuntimeError, ValueError):
            shutil.rmtree(path, ignore_errors=True)
    progress("loading the Oxigraph store")
    store = ox.Store(str(path))
    store.bulk_extend(q for _, read in graphs.values() for q in ox.parse(read(), format=ox.RdfFormat.N_QUADS))
    return Loaded(store)


def _previous_digests(previous: Path) -> dict[str, str] | None:
    """The asserted graphs' digests of the build in ``previous``, when its store can be reused."""
    try:
        manifest = json.loads((previous / "build.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    digests = manifest.get("graph_digests")
    if manifest.get("version") != __version__ or not isinstance(digests, dict) or not store_opens(previous / "store"):
        return None
    return {g: d for g, d in digests.items() if g != str(iris.GRAPH_INFERRED)}


def _site_data_beside(
    directory: Path, part: str, previous: Path | None, subjects: set[str] | None
) -> subprocess.Popen[str]:
    """Start writing a ``part`` of the site data and the exports of the store in ``directory`` (see
    :func:`~kg.exports.write_site_data_and_exports`) in a process of its own, started fresh (it shares no memory
    with the build), while the build writes the dumps."""
    command = [sys.executable, "-m", "kg.exports", str(os.getpid()), str(directory / "store"), str(directory), part]
    if previous is not None and subjects is not None:
        command.append(str(previous))
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdin is not None
    try:
        proc.stdin.write("".join(f"{s}\n" for s in sorted(subjects or ())))
        proc.stdin.close()
    except BrokenPipeError:  # it ended at once; _site_data_written reports why
        pass
    proc.stdin = None  # written and closed: communicate() reads its output alone
    return proc


def _site_data_written(proc: subprocess.Popen[str]) -> dict[str, str]:
    out, err = proc.communicate()
    if proc.returncode != 0:
        detail = err.strip().splitlines()
        raise KGError(f"writing the site data failed: {detail[-1] if detail else f'exit code {proc.returncode}'}")
    sums: dict[str, str] = json.loads(out)
    return sums


def stage(
    checked: Checked,
    directory: Path,
    progress: Progress = _quiet,
    previous: Path | None = None,
    site_data: bool = False,
) -> dict[str, Any]:
    """Load ``checked`` into a new store under ``directory``, infer, check the whole graph, write the dumps
    (and, with ``site_data``, the site data and the exports, in processes of their own meanwhile, and the
    texts and the ontology that pages show).

    ``previous``, the directory of the last good build, lets the store start from a copy of its store.
    Returns the manifest's counts and digests (and ``exports``, their digests). Raises
    :class:`~kg.errors.ReasoningError` when nodes of different graphs clash.
    """
    loaded = _load(checked, directory / "store", previous, progress)
    store = loaded.store
    progress("inferring")
    changed: set[ox.Quad] = set()
    inferred, derived = infer_in_store(store, str(iris.GRAPH_INFERRED), loaded.subjects, loaded.terms, changed)
    progress("checking the whole graph")
    # After a change, a clash needs a node that a changed graph or a newly derived triple mentions: the
    # previous build had none, with the same ontology.
    nodes = None
    if loaded.nodes is not None:
        nodes = loaded.nodes | {t for q in derived for t in (q.subject, q.object) if isinstance(t, ox.NamedNode)}
    clashes = find_clashes(store, checked.ontology, nodes)
    if clashes:
        raise ReasoningError(clash_report(clashes))
    # After a change, the subjects whose statements changed: the site data of the previous build are updated
    # for these alone.
    subjects = None
    if loaded.subjects is not None and previous is not None:
        subjects = {s.value for s in loaded.subjects} | {
            q.subject.value for q in changed if isinstance(q.subject, ox.NamedNode)
        }
    store.flush()
    if loaded.subjects is None:
        store.optimize()
    quads = len(store)
    del store, loaded  # closed, so that the readers below (this process and the site data's) can open it
    return_free_memory()  # loading and inferring are over: their heap is not held beside the site data's
    # The site data are written by two processes of their own (content.tsv, and the rest) while the dumps are
    # written here; on one core, after the dumps.
    since = previous if subjects is not None else None
    beside = []
    if site_data and workers() > 1:
        beside = [_site_data_beside(directory, part, since, subjects) for part in ("rest", "content")]
    try:
        progress("writing the dumps")
        reader = ox.Store.read_only(str(directory / "store"))
        sums, graph_digests = write_dumps(reader, directory / "dumps", checked.cache, _graph_nquads(checked))
        del reader
        exports = None
        if site_data:
            progress("writing the texts")  # what document pages and /ontology show: build outputs, not inputs
            documents = checked.paths.documents
            write_texts(
                directory / "texts",
                [(s["id"], s["text"], documents / f"{s['id']}.txt") for s in checked.documents],
                checked.cache,
            )
            copy_ontology(directory / "ontology", checked.paths.ontology, [*ONTOLOGY_FILES, SHAPES_FILE])
            changes = "" if subjects is None else f" (updated for {len(subjects)} changed subject(s))"
            progress(f"writing the site data and the exports{changes}")
            if beside:
                exports = {k: v for proc in beside for k, v in _site_data_written(proc).items()}
            else:
                exports = write_site_data_and_exports(directory / "store", directory, "all", since, subjects)
    finally:
        for proc in beside:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()  # also closes its pipes
    counts = dict(checked.counts)
    if inferred:
        counts[str(iris.GRAPH_INFERRED)] = inferred
    return {
        "quads": quads,
        "graphs": dict(sorted(counts.items())),
        "dumps": sums,
        "graph_digests": dict(sorted(graph_digests.items())),
        **({"exports": exports} if exports is not None else {}),
    }


@dataclass
class Compiled:
    """What ``autoalliance validate`` reports: the SHACL findings and the counts of each graph."""

    report: ValidationReport
    counts: dict[str, int]


def compile_dataset(paths: Paths, progress: Progress = _quiet, check: bool = True) -> Compiled:
    """Run every check of a build, the whole-graph ones included, in a scratch directory; write no build.

    The cache of earlier builds is used (and completed) when ``paths.var`` exists; otherwise nothing is
    written outside the scratch directory. Raises as :func:`check_inputs` and :func:`stage` do.
    """
    with tempfile.TemporaryDirectory(prefix="autoalliance-validate-") as tmp:
        cache = paths.cache if paths.var.is_dir() else Path(tmp) / "cache"
        checked = check_inputs(paths, progress, cache)
        staged = stage(checked, Path(tmp), progress)
    return Compiled(checked.report, staged["graphs"])


def build(paths: Paths, progress: Progress = _quiet) -> dict[str, Any]:
    """Build ``var/builds/<build-id>/`` from ``paths`` and make it current; returns its manifest (``build.json``).

    Raises :class:`~kg.lock.BuildLocked` when another build runs, otherwise as :func:`check_inputs` and
    :func:`stage`; on any error, and when killed, ``var/current`` keeps pointing at the last good build.
    """
    with build_lock(paths.lock):
        started = time.perf_counter()
        inputs = input_digest(paths)
        bid = build_id(inputs)
        checked = check_inputs(paths, progress)
        staged = begin_build(paths.builds, bid)
        try:
            written = stage(checked, staged, progress, current_build(paths.var), site_data=True)
            export_sums = written.pop("exports")
            manifest = {
                "id": bid,
                "digest": inputs,
                "version": __version__,
                "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "seconds": round(time.perf_counter() - started, 3),
                "documents": len(checked.documents),
                **written,
                "exports": export_sums,
            }
            (staged / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
            current = make_current(paths.var, staged, bid)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
        progress("recording the release")
        record_release(
            paths.releases,
            bid,
            current / "dumps",
            written["dumps"],
            current / "exports",
            export_sums,
            current / "site" / sitedata.CONTENT,
        )
        return manifest
