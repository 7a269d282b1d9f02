"""The SPARQL 1.1 Service Description of ``/sparql``: what the endpoint accepts and which graphs it holds."""

from __future__ import annotations

import json
import threading

import pyoxigraph as ox

from kg.store import store_identity

from .formats import CSV, JSON_LD, N_TRIPLES, RDF_XML, RESULTS_JSON, RESULTS_XML, TSV, TURTLE
from .query_exec import QueryJob, QueryPool

SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
DCTERMS_TITLE = ox.NamedNode("http://purl.org/dc/terms/title")
_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
FORMAT_IRIS = {
    RESULTS_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    RESULTS_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    TURTLE: "http://www.w3.org/ns/formats/Turtle",
    N_TRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    JSON_LD: "http://www.w3.org/ns/formats/JSON-LD",
    RDF_XML: "http://www.w3.org/ns/formats/RDF_XML",
}
SD_PREFIXES = {
    "sd": SD,
    "void": VOID,
    "formats": "http://www.w3.org/ns/formats/",
    "dcterms": "http://purl.org/dc/terms/",
}

_GRAPH_COUNTS = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_UNION_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_cache: dict[tuple[str, int, int], tuple[int, list[tuple[str, int]]]] = {}
_cache_lock = threading.Lock()


def _select(pool: QueryPool, query: str) -> list[dict[str, dict[str, str]]]:
    _, stream = pool.execute(QueryJob(query, RESULTS_JSON, None, max_rows=1_000_000))
    return json.loads(stream.read_all())["results"]["bindings"]


def dataset_counts(pool: QueryPool) -> tuple[int, list[tuple[str, int]]]:
    """Return the triple count of the union default graph and ``(graph IRI, triple count)`` per named graph.

    Cached until the store on disk is replaced. Raises :class:`server.query_exec.QueryFailed` when the store
    cannot be queried.
    """
    key = (pool.store_path, store_identity(pool.store_path))
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    graphs = [(row["g"]["value"], int(row["n"]["value"])) for row in _select(pool, _GRAPH_COUNTS)]
    union = int(_select(pool, _UNION_COUNT)[0]["n"]["value"])
    with _cache_lock:
        _cache[key] = (union, graphs)
    return union, graphs


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
