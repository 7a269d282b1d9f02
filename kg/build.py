"""The whole pipeline, stage after stage; ``kg.cli`` and the server call it.

A build either succeeds and replaces the store, the dumps and the manifest, or raises and writes nothing:
the last good build stays in place.
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
from .atomic import staging_dir, swap_in
from .config import Paths
from .dumps import stage_dumps, union_graph
from .errors import ValidationFailed
from .evidence import read_corpus
from .exports import write_exports
from .mapping import map_corpus
from .ontology import load_ontology
from .reasoning import check_consistency, infer
from .releases import record_release
from .store import stage_store
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
    """True when there is no good build, or its inputs differ from the current ones."""
    try:
        manifest = json.loads(paths.manifest.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return True
    return manifest.get("digest") != input_digest(paths) or not (paths.store / "CURRENT").exists()


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


def build(paths: Paths, progress: Progress = _quiet) -> dict[str, object]:
    """Build the store and the dumps from ``paths``; returns the manifest written to ``var/build.json``.

    Raises like :func:`compile_dataset`; on any error the previous store, dumps and manifest stay in place.
    """
    compiled = compile_dataset(paths, progress)
    quads = _quads(compiled.dataset)
    progress("writing the dumps")
    staged_dumps, sums = stage_dumps(quads, paths.dumps)
    progress("loading the Oxigraph store")
    staged_store, count = stage_store(quads, paths.store)
    progress("writing the site data and the exports")
    site, exports = sitedata.site_path(paths), sitedata.exports_path(paths)
    staged_site, staged_exports = staging_dir(site), staging_dir(exports)
    staged = ox.Store.read_only(str(staged_store))
    facts = sitedata.read_facts(staged)
    sitedata.write_site_data(staged, staged_site, facts)
    export_sums = write_exports(staged, staged_exports, facts)
    del staged
    swap_in(staged_store, paths.store)
    swap_in(staged_dumps, paths.dumps)
    swap_in(staged_site, site)
    swap_in(staged_exports, exports)
    manifest = {
        "digest": input_digest(paths),
        "version": __version__,
        "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "quads": count,
        "graphs": compiled.counts,
        "dumps": sums,
        "exports": export_sums,
    }
    tmp = paths.manifest.with_suffix(".json.new")
    tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    tmp.replace(paths.manifest)
    progress("recording the release")
    record_release(sitedata.releases_path(paths), str(manifest["digest"]), paths.dumps, sums, exports, export_sums,
                   site / sitedata.CONTENT)
    return manifest
