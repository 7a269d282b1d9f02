"""``/.well-known/void``: a VoID description of the dataset (counts, endpoint, dumps, vocabularies, the
linkset to Wikidata), in Turtle by default and in the other RDF formats by ``Accept``."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, request

from kg.iris import PREFIXES

from .dumps import list_dumps
from .errors import error_response
from .negotiation import negotiate
from .rdf_formats import BY_MEDIA_TYPE, RDF_MEDIA_TYPES, serialize
from .store import extension_state, get_store
from .urls import absolute, iri_for_path, sparql_url

bp = Blueprint("void", __name__)
VOID = "http://rdfs.org/ns/void#"
DCT = "http://purl.org/dc/terms/"
XSD = "http://www.w3.org/2001/XMLSchema#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
OWL_SAME_AS = "http://www.w3.org/2002/07/owl#sameAs"
WIKIDATA = "http://www.wikidata.org/entity/"
VOCABULARIES = ("aa", "skos", "oa", "dcterms", "schema", "org", "prov", "owl", "rdfs", "foaf")

STATS = {
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    "subjects": "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "properties": "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "classes": "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { GRAPH ?g { ?s a ?c } }",
    "sameas": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?o WHERE { GRAPH ?g { ?s <" + OWL_SAME_AS
              + "> ?o } FILTER(STRSTARTS(STR(?o), \"" + WIKIDATA + "\")) } }",
}
CLASS_PARTITIONS = ("SELECT ?c (COUNT(DISTINCT ?s) AS ?n) WHERE { GRAPH ?g { ?s a ?c } FILTER(isIRI(?c)) } "
                    "GROUP BY ?c ORDER BY ?c")


def statistics(store: ox.Store) -> tuple[dict[str, int], list[tuple[str, int]]]:
    """The dataset's counts and its (class, instances) partitions; computed once per store."""
    state = extension_state(current_app)
    cached = state.get("void_stats")
    if cached and cached[0] is store:
        return cached[1], cached[2]
    counts = {name: int(next(iter(store.query(q)))["n"].value) for name, q in STATS.items()}  # type: ignore
    partitions = [(row["c"].value, int(row["n"].value)) for row in store.query(CLASS_PARTITIONS)]  # type: ignore
    state["void_stats"] = (store, counts, partitions)
    return counts, partitions


def modified() -> str | None:
    """When the last good build finished (from ``VAR_DIR/build.json``), if known."""
    manifest = Path(current_app.config["VAR_DIR"]) / "build.json"
    try:
        return str(json.loads(manifest.read_text(encoding="utf-8"))["built"])
    except (OSError, ValueError, KeyError):
        return None


def void_triples() -> list[ox.Triple]:
    """The VoID description as triples."""
    counts, partitions = statistics(get_store(current_app))
    dataset = ox.NamedNode(iri_for_path("/.well-known/void") + "#autoalliance")
    linkset = ox.NamedNode(iri_for_path("/.well-known/void") + "#wikidata-links")
    wikidata = ox.NamedNode(iri_for_path("/.well-known/void") + "#wikidata")

    def v(name: str) -> ox.NamedNode:
        return ox.NamedNode(VOID + name)

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    t = [
        ox.Triple(dataset, RDF_TYPE, v("Dataset")),
        ox.Triple(dataset, ox.NamedNode(DCT + "title"), ox.Literal("autoalliance", language="en")),
        ox.Triple(dataset, ox.NamedNode(DCT + "description"), ox.Literal(
            "Strategic cooperation between firms of the automotive industry, each fact with the quote of the "
            "news article that states it.", language="en")),
        ox.Triple(dataset, ox.NamedNode(DCT + "license"), ox.NamedNode(current_app.config["DATASET_LICENSE"])),
        ox.Triple(dataset, v("sparqlEndpoint"), ox.NamedNode(absolute(sparql_url()))),
        ox.Triple(dataset, v("uriSpace"), ox.Literal(iri_for_path("/id/"))),
        ox.Triple(dataset, v("rootResource"), ox.NamedNode(iri_for_path("/"))),
        ox.Triple(dataset, v("triples"), integer(counts["triples"])),
        ox.Triple(dataset, v("distinctSubjects"), integer(counts["subjects"])),
        ox.Triple(dataset, v("properties"), integer(counts["properties"])),
        ox.Triple(dataset, v("classes"), integer(counts["classes"])),
        ox.Triple(dataset, v("subset"), linkset),
    ]
    built = modified()
    if built:
        t.append(ox.Triple(dataset, ox.NamedNode(DCT + "modified"),
                           ox.Literal(built, datatype=ox.NamedNode(XSD + "dateTime"))))
    for prefix in VOCABULARIES:
        t.append(ox.Triple(dataset, v("vocabulary"), ox.NamedNode(PREFIXES[prefix])))
    for dump in list_dumps():
        if dump.name != "SHA256SUMS":
            t.append(ox.Triple(dataset, v("dataDump"), ox.NamedNode(absolute(dump.url))))
    for index, (cls, count) in enumerate(partitions):
        part = ox.BlankNode(f"class{index}")
        t += [ox.Triple(dataset, v("classPartition"), part), ox.Triple(part, v("class"), ox.NamedNode(cls)),
              ox.Triple(part, v("entities"), integer(count))]
    t += [
        ox.Triple(linkset, RDF_TYPE, v("Linkset")),
        ox.Triple(linkset, v("linkPredicate"), ox.NamedNode(OWL_SAME_AS)),
        ox.Triple(linkset, v("subjectsTarget"), dataset),
        ox.Triple(linkset, v("objectsTarget"), wikidata),
        ox.Triple(linkset, v("triples"), integer(counts["sameas"])),
        ox.Triple(wikidata, RDF_TYPE, v("Dataset")),
        ox.Triple(wikidata, v("uriSpace"), ox.Literal(WIKIDATA)),
        ox.Triple(wikidata, ox.NamedNode("http://xmlns.com/foaf/0.1/homepage"),
                  ox.NamedNode("https://www.wikidata.org/")),
    ]
    return t


@bp.route("/.well-known/void")
def void() -> Response:
    """The VoID description, Turtle unless the client asks for another RDF format."""
    media_type = negotiate(request.headers.get("Accept"), RDF_MEDIA_TYPES)
    if media_type is None:
        return error_response(406, "Available as " + ", ".join(RDF_MEDIA_TYPES))
    body = serialize(void_triples(), BY_MEDIA_TYPE[media_type])
    response = Response(body, content_type=media_type + ("; charset=utf-8" if media_type == "text/turtle" else ""))
    response.vary.add("Accept")
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
