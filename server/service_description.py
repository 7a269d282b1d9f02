"""The SPARQL 1.1 Service Description of ``/sparql``: what the endpoint accepts and which graphs it holds."""

from __future__ import annotations

import hashlib
import json
import threading
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.iris import QUERY_PREFIXES

from .formats import FORMAT_IRIS, RESULTS_JSON
from .query_exec import QueryBackend, QueryJob, pool_for
from .rdf_formats import BY_MEDIA_TYPE, serialize

if TYPE_CHECKING:
    from flask import Flask

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
SH = "http://www.w3.org/ns/shacl#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_XSD_ANY_URI = ox.NamedNode("http://www.w3.org/2001/XMLSchema#anyURI")
SD_PREFIXES = {
    "sd": SD,
    "void": VOID,
    "formats": "http://www.w3.org/ns/formats/",
    "dcterms": "http://purl.org/dc/terms/",
    "sh": SH,
}

_GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_UNION_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_lock = threading.Lock()


def _select(pool: QueryBackend, query: str) -> list[dict[str, dict[str, str]]]:
    answer = pool.execute(QueryJob(query, RESULTS_JSON, max_rows=1_000_000))
    return json.loads(answer.body)["results"]["bindings"]


def dataset_counts(pool: QueryBackend) -> tuple[int, list[tuple[str, int]]]:
    """Return the triple count of the union default graph and ``(graph IRI, triple count)`` per named graph.

    Raises :class:`server.httperror.HTTPError` when the store cannot be queried.
    """
    graphs = [(row["g"]["value"], int(row["n"]["value"])) for row in _select(pool, _GRAPH_COUNTS)]
    union = int(_select(pool, _UNION_COUNT)[0]["n"]["value"])
    return union, graphs


def service_description(app: Flask, media_type: str) -> tuple[bytes, str]:
    """The Service Description of ``app``'s endpoint as ``media_type``, and its ETag: computed once per build
    identity (the counts come from the store) and media type.

    Raises :class:`server.httperror.HTTPError` when the store cannot be queried.
    """
    from .query_exec import service_allowlist
    from .store import build_identity, extension_state
    from .urls import iri_for_path

    identity = build_identity(app)
    state = extension_state(app)
    cache: dict[tuple[object, str], tuple[bytes, str]] = state.setdefault("service_description", {})
    key = (identity, media_type)
    with _lock:
        if key in cache:
            return cache[key]
    union, graphs = dataset_counts(pool_for(app))
    endpoint = iri_for_path("/sparql")
    federated = bool(service_allowlist(app.config.get("SERVICE_ALLOWLIST")))
    triples = describe_service(endpoint, union, graphs, federated)
    body = serialize(triples, BY_MEDIA_TYPE[media_type], SD_PREFIXES)
    value = (body, hashlib.sha256(body).hexdigest()[:32])
    with _lock:
        if any(k[0] != identity for k in cache):
            cache.clear()
        cache[key] = value
    return value


def sd(term: str) -> ox.NamedNode:
    """Return the ``sd:`` term named ``term``."""
    return ox.NamedNode(SD + term)


def describe_service(
    endpoint_url: str, union_count: int, graphs: list[tuple[str, int]], federated: bool = False
) -> list[ox.Triple]:
    """Return the service description of the endpoint at ``endpoint_url`` as triples."""
    triples_count = ox.NamedNode(VOID + "triples")
    service, dataset, default_graph = ox.BlankNode("service"), ox.BlankNode("dataset"), ox.BlankNode("default")
    out = [
        ox.Triple(service, RDF_TYPE, sd("Service")),
        ox.Triple(service, DCTERMS_TITLE, ox.Literal("autoalliance SPARQL endpoint", language="en")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint_url)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
    ]
    if federated:
        out.append(ox.Triple(service, sd("feature"), sd("BasicFederatedQuery")))
    out += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(iri)) for iri in FORMAT_IRIS.values()]
    for name, namespace in QUERY_PREFIXES.items():  # declared for every query, as SHACL declares prefixes
        declaration = ox.BlankNode(f"prefix-{name}")
        out += [
            ox.Triple(service, ox.NamedNode(SH + "declare"), declaration),
            ox.Triple(declaration, ox.NamedNode(SH + "prefix"), ox.Literal(name)),
            ox.Triple(declaration, ox.NamedNode(SH + "namespace"), ox.Literal(namespace, datatype=_XSD_ANY_URI)),
        ]
    out += [
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, RDF_TYPE, sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default_graph),
        ox.Triple(default_graph, RDF_TYPE, sd("Graph")),
        ox.Triple(default_graph, triples_count, ox.Literal(str(union_count), datatype=_XSD_INTEGER)),
    ]
    for index, (name, count) in enumerate(graphs):
        named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
        out += [
            ox.Triple(dataset, sd("namedGraph"), named),
            ox.Triple(named, RDF_TYPE, sd("NamedGraph")),
            ox.Triple(named, sd("name"), ox.NamedNode(name)),
            ox.Triple(named, sd("graph"), graph),
            ox.Triple(graph, RDF_TYPE, sd("Graph")),
            ox.Triple(graph, triples_count, ox.Literal(str(count), datatype=_XSD_INTEGER)),
        ]
    return out
