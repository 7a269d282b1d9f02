"""Every IRI of the knowledge graph is minted here, and only here."""

from __future__ import annotations

import re

from rdflib import Namespace, URIRef

BASE = "https://w3id.org/autoalliance/"
ONTOLOGY_IRI = URIRef(BASE + "ontology")

AA = Namespace(BASE + "ontology#")
ID = Namespace(BASE + "id/")
FIRM = Namespace(BASE + "id/firm/")
BRAND = Namespace(BASE + "id/brand/")
AUTHORITY = Namespace(BASE + "id/authority/")
PERSON = Namespace(BASE + "id/person/")
PRODUCT = Namespace(BASE + "id/product/")
DEAL = Namespace(BASE + "id/deal/")
ALLIANCE = Namespace(BASE + "id/alliance/")
INVESTIGATION = Namespace(BASE + "id/investigation/")
DOMAIN = Namespace(BASE + "id/domain/")
DOC = Namespace(BASE + "id/document/")
GRAPH = Namespace(BASE + "graph/")

WD = Namespace("http://www.wikidata.org/entity/")

GRAPH_ONTOLOGY = GRAPH["ontology"]
GRAPH_REGISTRY = GRAPH["registry"]
GRAPH_INFERRED = GRAPH["inferred"]

SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
DOC_ID = re.compile(r"^[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*$")
QID = re.compile(r"^Q[1-9][0-9]*$")

PREFIXES: dict[str, str] = {
    "aa": str(AA),
    "firm": str(FIRM),
    "brand": str(BRAND),
    "authority": str(AUTHORITY),
    "person": str(PERSON),
    "product": str(PRODUCT),
    "deal": str(DEAL),
    "alliance": str(ALLIANCE),
    "investigation": str(INVESTIGATION),
    "domain": str(DOMAIN),
    "doc": str(DOC),
    "graph": str(GRAPH),
    "wd": str(WD),
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "oa": "http://www.w3.org/ns/oa#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "org": "http://www.w3.org/ns/org#",
    "foaf": "http://xmlns.com/foaf/0.1/",
}
# Declared for every query on /sparql and in `autoalliance query`, as Wikidata's and DBpedia's endpoints do: the
# project's prefixes and the standard ones the data uses (schema: is https, as in the data).
QUERY_PREFIXES: dict[str, str] = {**PREFIXES, "void": "http://rdfs.org/ns/void#"}


def firm(slug: str) -> URIRef:
    return FIRM[slug]


def brand(slug: str) -> URIRef:
    return BRAND[slug]


def authority(slug: str) -> URIRef:
    return AUTHORITY[slug]


def person(slug: str) -> URIRef:
    return PERSON[slug]


def product(slug: str) -> URIRef:
    return PRODUCT[slug]


def deal(slug: str) -> URIRef:
    return DEAL[slug]


def alliance(slug: str) -> URIRef:
    return ALLIANCE[slug]


def investigation(slug: str) -> URIRef:
    return INVESTIGATION[slug]


def domain(slug: str) -> URIRef:
    return DOMAIN[slug]


def document(doc_id: str) -> URIRef:
    return DOC[doc_id]


def document_graph(doc_id: str) -> URIRef:
    return GRAPH["doc/" + doc_id]


def evidence(doc_id: str, start: int, end: int) -> URIRef:
    return URIRef(f"{DOC[doc_id]}/evidence/{start}-{end}")


def quote_selector(evidence_iri: URIRef) -> URIRef:
    return URIRef(f"{evidence_iri}/quote")


def position_selector(evidence_iri: URIRef) -> URIRef:
    return URIRef(f"{evidence_iri}/position")


def deal_value(deal_iri: URIRef) -> URIRef:
    return URIRef(f"{deal_iri}/value")


def amount(slug: str) -> URIRef:
    """A monetary amount that a source states once for several deals (``value: {shared: <slug>}``)."""
    return ID["amount/" + slug]


def wikidata(qid: str) -> URIRef:
    return WD[qid]
