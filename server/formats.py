"""The result formats of ``/sparql``: media types, the aliases clients send, their W3C format IRIs, and how to
choose one.

Solutions (SELECT) and booleans (ASK) are "results"; graphs (CONSTRUCT, DESCRIBE) are "graphs". The canonical
media type is what the response's ``Content-Type`` says; aliases (``application/json``, ``format=json``) map to it.
Be liberal: the ``format``/``output`` values of SPARQLWrapper (``rdf+xml``, ``n3``), Virtuoso-style and
Fuseki-style clients are understood, and a graph is answered in Turtle when nothing acceptable is asked for.
"""

from __future__ import annotations

import functools

from .negotiation import negotiate
from .rdf_formats import BY_SUFFIX, HTML, MEDIA_TYPE_ALIASES, RDF_MEDIA_TYPES

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

RESULT_TYPES = [RESULTS_JSON, RESULTS_XML, CSV, TSV]
DEFAULT_GRAPH_TYPE = TURTLE  # for a graph when the client accepts no RDF format (e.g. roqet's CONSTRUCT)
FORMAT_IRIS = {  # the W3C's names of the formats, for the Service Description
    RESULTS_JSON: "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
    RESULTS_XML: "http://www.w3.org/ns/formats/SPARQL_Results_XML",
    CSV: "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
    TSV: "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
    TURTLE: "http://www.w3.org/ns/formats/Turtle",
    N_TRIPLES: "http://www.w3.org/ns/formats/N-Triples",
    JSON_LD: "http://www.w3.org/ns/formats/JSON-LD",
    RDF_XML: "http://www.w3.org/ns/formats/RDF_XML",
}
GRAPH_TYPES = list(RDF_MEDIA_TYPES)

# Accept-header types that stand for a canonical one, per kind, in order of preference after the canonical ones.
RESULT_ALIASES = {
    "application/json": RESULTS_JSON,
    "text/javascript": RESULTS_JSON,
    "application/javascript": RESULTS_JSON,
    "application/xml": RESULTS_XML,
    "text/xml": RESULTS_XML,
}
GRAPH_ALIASES = MEDIA_TYPE_ALIASES

# Values of the ``format``/``output`` parameters -> (results type, graph type); None: not for that kind.
FORMAT_PARAMETER: dict[str, tuple[str | None, str | None]] = {
    "json": (RESULTS_JSON, JSON_LD),
    "srj": (RESULTS_JSON, None),
    "xml": (RESULTS_XML, RDF_XML),
    "srx": (RESULTS_XML, None),
    "csv": (CSV, None),
    "tsv": (TSV, None),
    "turtle": (None, TURTLE),
    "ttl": (None, TURTLE),
    "nt": (None, N_TRIPLES),
    "ntriples": (None, N_TRIPLES),
    "n-triples": (None, N_TRIPLES),
    "jsonld": (None, JSON_LD),
    "json-ld": (None, JSON_LD),
    "rdfxml": (None, RDF_XML),
    "rdf/xml": (None, RDF_XML),
    "rdf": (None, RDF_XML),
    "rdf+xml": (None, RDF_XML),  # SPARQLWrapper's RDFXML
    "n3": (None, TURTLE),  # SPARQLWrapper's N3: Turtle is a subset of N3
    "text": (TSV, N_TRIPLES),  # Fuseki's output=text
    "sparql-results+json": (RESULTS_JSON, None),
    "sparql-results+xml": (RESULTS_XML, None),
    "json-ld+json": (None, JSON_LD),
}
for _media in RESULT_TYPES:
    FORMAT_PARAMETER[_media] = (_media, None)
for _media in GRAPH_TYPES:
    FORMAT_PARAMETER[_media] = (None, _media)
for _alias, _media in RESULT_ALIASES.items():
    FORMAT_PARAMETER.setdefault(_alias, (_media, GRAPH_ALIASES.get(_alias)))
for _alias, _media in GRAPH_ALIASES.items():
    FORMAT_PARAMETER.setdefault(_alias, (None, _media))


class UnknownFormat(ValueError):
    """A ``format``/``output`` parameter value this endpoint does not know."""


def _choose(accept: str | None, canonical: list[str], aliases: dict[str, str]) -> str | None:
    chosen = negotiate(accept, canonical + list(aliases))
    return aliases.get(chosen, chosen) if chosen else None


def choose_rdf(accept: str | None, html: bool = False, rdf_first: bool = False) -> str | None:
    """The canonical RDF media type (or ``text/html`` when ``html`` is offered) that ``Accept`` prefers, aliases
    included (``application/json`` is JSON-LD, ``text/n3`` and ``application/x-turtle`` are Turtle); ``None``
    when none is acceptable. For every route that serves a resource or a document as RDF."""
    html_offer = [HTML] if html else []
    offered = GRAPH_TYPES + html_offer if rdf_first else html_offer + GRAPH_TYPES
    return _choose(accept, offered, GRAPH_ALIASES)


def choose_representation(suffix: str | None, accept: str | None, rdf_first: bool = False) -> str | None:
    """The media type of a document served as HTML or RDF (a resource, the ontology, the VoID, the catalogue): the
    one its ``suffix`` names (``html``, ``ttl``, ``jsonld``...) when there is one, else the one ``Accept`` prefers
    (aliases included, see :func:`choose_rdf`); ``None`` when none is acceptable (406). Routes answer 404 for a
    suffix that is not ``html`` or in :data:`~server.rdf_formats.BY_SUFFIX`; raises ``KeyError`` for one.
    ``rdf_first``: a missing or indifferent ``Accept`` gets Turtle rather than HTML (the VoID, the catalogue)."""
    if suffix == "html":
        return HTML
    if suffix:
        return BY_SUFFIX[suffix].media_type
    return choose_rdf(accept, html=True, rdf_first=rdf_first)


@functools.lru_cache(maxsize=512)  # clients send few distinct Accept headers; negotiating costs tens of µs
def choose_formats(accept: str | None, format_parameter: str | None) -> tuple[str | None, str]:
    """Return the (results, graph) media types to answer with. The results type is ``None`` when none is
    acceptable (406); a graph falls back to :data:`DEFAULT_GRAPH_TYPE`.

    A ``format``/``output`` parameter wins over ``Accept``; ``text/html`` (a browser form) and ``*/*`` defer to
    ``Accept``. Raises :class:`UnknownFormat` for an unknown value.
    """
    if format_parameter:
        key = format_parameter.strip().lower().split(";")[0].strip().replace(" ", "+")  # "+" arrives as a space
        if key in FORMAT_PARAMETER:
            results, graph = FORMAT_PARAMETER[key]
            return results, graph or DEFAULT_GRAPH_TYPE
        if key not in ("text/html", "html", "*/*", "auto"):
            known = ", ".join(sorted(k for k in FORMAT_PARAMETER if "/" not in k))
            raise UnknownFormat(f"unknown format {format_parameter!r}; use one of {known} or a media type")
    graph = _choose(accept, GRAPH_TYPES, GRAPH_ALIASES) or DEFAULT_GRAPH_TYPE
    return _choose(accept, RESULT_TYPES, RESULT_ALIASES), graph
