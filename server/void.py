"""``/.well-known/void``: a VoID description of the dataset (counts, endpoint, dumps, vocabularies, licence and
attribution, example resources, the linkset to Wikidata), as RDF (Turtle by default) or as an HTML page.

Every IRI in it is public (under ``PUBLIC_BASE``), whatever host the request came to; the counts are computed
once per build.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template
from rdflib.namespace import DCTERMS, FOAF, OWL, RDF, RDFS, VOID, XSD, Namespace

from kg.dumps import DUMP_PREFIXES
from kg.vocab import AA

from .describe import LABELS, iri, used_prefixes
from .documents import document_response
from .dumps import SUMS, list_dumps
from .rdf_formats import BY_MEDIA_TYPE, BY_SUFFIX, HTML, RDF_MEDIA_TYPES, content_type, serialize
from .service_description import FORMAT_IRIS
from .site_meta import PAGE_KINDS, dataset_info, kind_resources
from .store import graph_source, paths, per_build
from .urls import iri_for_path, sparql_url

if TYPE_CHECKING:
    from .backend_graph import GraphSource

bp = Blueprint("void", __name__)
CC = Namespace("http://creativecommons.org/ns#")
WIKIDATA = "http://www.wikidata.org/entity/"
VOCABULARIES = ("aa", "skos", "oa", "dcterms", "schema", "org", "prov", "owl", "rdfs", "foaf")
VOID_PREFIXES = {
    **DUMP_PREFIXES,
    "void": str(VOID),
    "cc": str(CC),
    "dcat": "http://www.w3.org/ns/dcat#",
    "formats": "http://www.w3.org/ns/formats/",
}
RDF_TYPE = iri(RDF.type)
EXAMPLE_KINDS = (AA.Firm, AA.Deal, AA.SourceDocument)

STATS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "objects": "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }",
    "sameas": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { GRAPH ?g { ?s <"
    + str(OWL.sameAs)
    + '> ?o } FILTER(STRSTARTS(STR(?o), "'
    + WIKIDATA
    + '")) } }',
}
CLASS_PARTITIONS = (
    "SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } GROUP BY ?c ORDER BY ?c"
)


@dataclass(frozen=True)
class Statistics:
    """What VoID counts about the whole store, and a few example resources."""

    counts: dict[str, int]
    partitions: list[tuple[str, int]]
    examples: list[str]


def compute_statistics(store: GraphSource) -> Statistics:
    """Count triples, subjects, objects, properties, classes, Wikidata links and class partitions; pick the
    first resource (by IRI) of a few kinds as examples."""
    counts = {name: int(next(iter(store.query(q)))["n"].value) for name, q in STATS.items()}  # type: ignore
    partitions = [(row["c"].value, int(row["n"].value)) for row in store.query(CLASS_PARTITIONS)]  # type: ignore
    examples = []
    for kind in EXAMPLE_KINDS:
        found = [r.value for r in kind_resources(store, PAGE_KINDS.index(iri(kind)))]
        if found:
            examples.append(min(found))
    return Statistics(counts, partitions, examples)


def statistics() -> Statistics:
    """The statistics of the build being served, computed once per build."""
    return per_build(current_app, "void_statistics", compute_statistics)


def built_at() -> str | None:
    """When the build being served finished (``built`` in its manifest), if known."""
    try:
        manifest = json.loads(paths(current_app).manifest.read_text(encoding="utf-8"))
        return str(manifest["built"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def dataset_iri() -> ox.NamedNode:
    """The IRI that the VoID and the DCAT catalogue both describe the dataset with."""
    return ox.NamedNode(iri_for_path("/.well-known/void") + "#autoalliance")


def _integer(n: int) -> ox.Literal:
    return ox.Literal(str(n), datatype=iri(XSD.integer))


def _date_time(value: str) -> ox.Literal:
    return ox.Literal(value, datatype=iri(XSD.dateTime if "T" in value else XSD.date))


def dataset_metadata(dataset: ox.NamedNode) -> list[ox.Triple]:
    """Title, description, publisher, licence and attribution of ``dataset`` (shared by VoID and DCAT)."""
    info = dataset_info()
    publisher = ox.NamedNode(iri_for_path("/.well-known/void") + "#publisher")
    t = [
        ox.Triple(dataset, iri(DCTERMS.title), ox.Literal(info.title, language="en")),
        ox.Triple(dataset, iri(DCTERMS.description), ox.Literal(info.description, language="en")),
        ox.Triple(dataset, iri(DCTERMS.license), ox.NamedNode(info.license)),
        ox.Triple(dataset, iri(CC.license), ox.NamedNode(info.license)),
        ox.Triple(dataset, iri(CC.attributionName), ox.Literal(info.attribution)),
        ox.Triple(dataset, iri(CC.attributionURL), ox.NamedNode(info.homepage)),
        ox.Triple(dataset, iri(FOAF.homepage), ox.NamedNode(info.homepage)),
        ox.Triple(dataset, iri(DCTERMS.publisher), publisher),
        ox.Triple(publisher, RDF_TYPE, iri(FOAF.Organization)),
        ox.Triple(publisher, iri(FOAF.name), ox.Literal(info.publisher)),
        ox.Triple(publisher, iri(FOAF.homepage), ox.NamedNode(info.homepage)),
    ]
    built = built_at()
    if built:
        t.append(ox.Triple(dataset, iri(DCTERMS.modified), _date_time(built)))
    issued = first_release_date() or built
    if issued:
        t.append(ox.Triple(dataset, iri(DCTERMS.issued), _date_time(issued)))
    return t


def first_release_date() -> str | None:
    """The date of the first numbered release, when releases are published."""
    from .dcat import read_releases

    releases = read_releases()
    return str(releases[0]["date"]) if releases and releases[0].get("date") else None


def void_triples() -> list[ox.Triple]:
    """The VoID description as triples."""
    stats = statistics()
    dataset = dataset_iri()
    linkset = ox.NamedNode(iri_for_path("/.well-known/void") + "#wikidata-links")
    wikidata = ox.NamedNode(iri_for_path("/.well-known/void") + "#wikidata")

    def v(name: str) -> ox.NamedNode:
        return iri(VOID[name])

    t = [
        ox.Triple(dataset, RDF_TYPE, v("Dataset")),
        *dataset_metadata(dataset),
        ox.Triple(dataset, v("sparqlEndpoint"), ox.NamedNode(iri_for_path(sparql_url()))),
        ox.Triple(dataset, v("uriSpace"), ox.Literal(iri_for_path("/id/"))),
        ox.Triple(dataset, v("rootResource"), ox.NamedNode(iri_for_path("/"))),
        ox.Triple(dataset, v("triples"), _integer(stats.counts["triples"])),
        ox.Triple(dataset, v("distinctSubjects"), _integer(stats.counts["subjects"])),
        ox.Triple(dataset, v("distinctObjects"), _integer(stats.counts["objects"])),
        ox.Triple(dataset, v("properties"), _integer(stats.counts["properties"])),
        ox.Triple(dataset, v("classes"), _integer(stats.counts["classes"])),
        ox.Triple(dataset, v("subset"), linkset),
    ]
    for media_type in RDF_MEDIA_TYPES:
        t.append(ox.Triple(dataset, v("feature"), ox.NamedNode(FORMAT_IRIS[media_type])))
    for example in stats.examples:
        t.append(ox.Triple(dataset, v("exampleResource"), ox.NamedNode(example)))
    for prefix in VOCABULARIES:
        t.append(ox.Triple(dataset, v("vocabulary"), ox.NamedNode(VOID_PREFIXES[prefix])))
    for dump in list_dumps():
        if dump.name != SUMS:
            t.append(ox.Triple(dataset, v("dataDump"), ox.NamedNode(iri_for_path(dump.url))))
    for index, (cls, count) in enumerate(stats.partitions):
        part = ox.NamedNode(iri_for_path("/.well-known/void") + f"#class-{index}")
        t += [
            ox.Triple(dataset, v("classPartition"), part),
            ox.Triple(part, v("class"), ox.NamedNode(cls)),
            ox.Triple(part, v("entities"), _integer(count)),
        ]
    t += [
        ox.Triple(linkset, RDF_TYPE, v("Linkset")),
        ox.Triple(linkset, v("linkPredicate"), iri(OWL.sameAs)),
        ox.Triple(linkset, v("subjectsTarget"), dataset),
        ox.Triple(linkset, v("objectsTarget"), wikidata),
        ox.Triple(linkset, v("triples"), _integer(stats.counts["sameas"])),
        ox.Triple(wikidata, RDF_TYPE, v("Dataset")),
        ox.Triple(wikidata, iri(DCTERMS.title), ox.Literal("Wikidata", language="en")),
        ox.Triple(wikidata, v("uriSpace"), ox.Literal(WIKIDATA)),
        ox.Triple(wikidata, iri(FOAF.homepage), ox.NamedNode("https://www.wikidata.org/")),
    ]
    return t


def class_labels(classes: list[str]) -> dict[str, str]:
    """The labels of ``classes`` from the store (``rdfs:label`` first), for the HTML view."""
    store = graph_source(current_app)
    labels = {}
    for cls in classes:
        for prop in (iri(RDFS.label), *LABELS):
            found = [
                q.object.value
                for q in store.quads_for_pattern(ox.NamedNode(cls), prop, None, None)
                if not isinstance(q.object, ox.Triple)
            ]  # triple terms never occur here; narrows the type
            if found:
                labels[cls] = sorted(found)[0]
                break
    return labels


@bp.route("/.well-known/void", defaults={"ext": None})
@bp.route("/.well-known/void.<ext>")
def void(ext: str | None) -> Response:
    """The VoID description: Turtle unless the client asks for another RDF format or HTML (or a suffix)."""
    return document_response(ext, "/.well-known/void", void_document, rdf_first=True)


def void_document(media_type: str) -> Response:
    """The VoID description as ``media_type`` (HTML or an RDF format)."""
    if media_type == HTML:
        stats = statistics()
        return Response(
            render_template(
                "void.html",
                label="VoID description",
                info=dataset_info(),
                stats=stats,
                dataset_node=dataset_iri().value,
                class_labels=class_labels([c for c, _ in stats.partitions]),
                dumps=[d for d in list_dumps() if d.name != SUMS],
                endpoint=iri_for_path(sparql_url()),
                modified=built_at(),
                base_path="/.well-known/void",
                alternates=[(s, BY_SUFFIX[s].media_type) for s in BY_SUFFIX],
                vocabularies=[(p, VOID_PREFIXES[p]) for p in VOCABULARIES],
            ),
            mimetype="text/html",
        )
    triples = void_triples()
    body = serialize(triples, BY_MEDIA_TYPE[media_type], used_prefixes(triples, VOID_PREFIXES))
    return Response(body, content_type=content_type(media_type))


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
