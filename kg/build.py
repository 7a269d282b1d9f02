"""The whole pipeline, stage after stage; ``kg.cli`` and the server call it.

A build writes a new directory ``var/builds/<build-id>/`` (store, dumps, site data, exports, ``build.json``)
and makes it current in one atomic step, or raises and leaves ``var/current`` as it was: the last good build
stays served. One build runs at a time (``var/build.lock``).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph
from rdflib.namespace import RDF, SKOS

from . import __version__, iris, sitedata
from .atomic import begin_build, make_current
from .config import Paths
from .dumps import stage_dumps, union_graph
from .errors import ValidationFailed
from .evidence import read_corpus
from .exports import write_exports
from .lock import build_lock
from .mapping import map_corpus
from .ontology import load_ontology
from .reasoning import check_consistency, infer
from .releases import record_release
from .store import stage_store, store_opens
from .validation import ValidationReport, validate_dataset
from .vocab import AA

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def domain_slugs(ontology: Graph) -> set[str]:
    """The slugs of the technology domains defined in the ontology graph."""
    prefix = str(iris.DOMAIN)
    return {str(c)[len(prefix):] for c in ontology.subjects(SKOS.inScheme, AA.TechnologyDomains)
            if str(c).startswith(prefix)} | {
        str(c)[len(prefix):] for c in ontology.subjects(RDF.type, AA.TechnologyDomain) if str(c).startswith(prefix)}


def input_files(paths: Paths) -> list[Path]:
    """Every file whose content the build depends on, in a stable order."""
    files = [*sorted(paths.documents.glob("*.txt")), *sorted(paths.annotations.glob("*.yaml")),
             *sorted(paths.registry.glob("*.yaml")), *sorted(paths.ontology.glob("*.ttl"))]
    return [f for f in files if f.is_file()]


def input_digest(paths: Paths) -> str:
    """SHA-256 over the inputs' names and contents and the software version: equal digests, equal builds."""
    h = hashlib.sha256(f"autoalliance {__version__}\n".encode())
    for path in input_files(paths):
        h.update(f"{path.parent.name}/{path.name}\n".encode())
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def needs_build(paths: Paths) -> bool:
    """True when there is no good build, its store cannot be opened, or its inputs differ from the current ones."""
    try:
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return manifest.get("digest") != input_digest(paths) or not store_opens(paths.store)


@dataclass
class Compiled:
    """A checked, reasoned dataset ready to be written."""

    dataset: Dataset
    report: ValidationReport
    counts: dict[str, int] = field(default_factory=dict)


def compile_dataset(paths: Paths, progress: Progress = _quiet, check: bool = True) -> Compiled:
    """Run every stage up to reasoning, writing nothing.

    Raises :class:`~kg.errors.AnnotationErrors` for bad annotations, :class:`~kg.errors.ValidationFailed` when
    the data break the shapes (only when ``check``), :class:`~kg.errors.ReasoningError` when inconsistent.
    """
    progress("loading the ontology")
    ontology = load_ontology(paths.ontology)
    progress("reading annotations")
    corpus, anchors = read_corpus(paths.seeds, domain_slugs(ontology))
    progress("mapping to RDF")
    ds = map_corpus(corpus, anchors)
    data = union_graph(ds)
    progress("validating with SHACL")
    report = validate_dataset(data, paths.ontology, in_place=True)  # data is ours: no copy; it gains the ontology
    if check and not report.conforms:
        raise ValidationFailed(f"{len(report.results)} SHACL violation(s)", report.lines())
    progress("checking consistency with HermiT")
    check_consistency(data, paths.ontology)
    progress("inferring")
    inferred = infer(data, ontology)  # infer reads the ontology itself
    target = ds.graph(iris.GRAPH_ONTOLOGY)
    for triple in to_canonical_graph(ontology):  # stable blank-node labels, so dumps are byte-identical
        target.add(triple)
    target = ds.graph(iris.GRAPH_INFERRED)
    for triple in inferred:
        target.add(triple)
    counts = {str(c.identifier): len(c) for c in ds.contexts() if isinstance(c.identifier, URIRef) and len(c)}
    return Compiled(ds, report, dict(sorted(counts.items())))


def _quads(ds: Dataset) -> list[ox.Quad]:
    """The dataset as pyoxigraph quads (the RDF terms re-read from N-Quads, so both libraries agree)."""
    data = ds.serialize(format="nquads", encoding="utf-8")
    return list(ox.parse(data, format=ox.RdfFormat.N_QUADS))


def build_id(digest: str) -> str:
    """A new build's id: when it started (UTC, sortable) and the start of its input digest."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + digest[:12]


def build(paths: Paths, progress: Progress = _quiet) -> dict[str, object]:
    """Build ``var/builds/<build-id>/`` from ``paths`` and make it current; returns its manifest (``build.json``).

    Raises :class:`~kg.lock.BuildLocked` when another build runs, otherwise like :func:`compile_dataset`; on
    any error, and when killed, ``var/current`` keeps pointing at the last good build.
    """
    with build_lock(paths.lock):
        digest = input_digest(paths)
        bid = build_id(digest)
        compiled = compile_dataset(paths, progress)
        quads = _quads(compiled.dataset)
        staged = begin_build(paths.builds, bid)
        progress("loading the Oxigraph store")
        staged_store, count = stage_store(quads, staged / "store")
        (staged_store).rename(staged / "store")
        progress("writing the dumps")
        staged_dumps, sums = stage_dumps(quads, staged / "dumps")
        staged_dumps.rename(staged / "dumps")
        progress("writing the site data and the exports")
        store = ox.Store.read_only(str(staged / "store"))
        facts = sitedata.read_facts(store)
        sitedata.write_site_data(store, staged / "site", facts)
        export_sums = write_exports(store, staged / "exports", facts)
        del store
        manifest = {
            "id": bid,
            "digest": digest,
            "version": __version__,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quads": count,
            "graphs": compiled.counts,
            "dumps": sums,
            "exports": export_sums,
        }
        (staged / "build.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        current = make_current(paths.var, staged, bid)
        progress("recording the release")
        record_release(paths.releases, bid, current / "dumps", sums, current / "exports", export_sums,
                       current / "site" / sitedata.CONTENT)
        return manifest
