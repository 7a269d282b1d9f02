"""The result formats of ``/sparql``: media types, the aliases clients send, and how to choose one.

Solutions (SELECT) and booleans (ASK) are "results"; graphs (CONSTRUCT, DESCRIBE) are "graphs". The canonical
media type is what the response's ``Content-Type`` says; aliases (``application/json``, ``format=json``) map to it.
"""

from __future__ import annotations

from .negotiation import negotiate
from .rdf_formats import MEDIA_TYPE_ALIASES, RDF_MEDIA_TYPES

RESULTS_JSON = "application/sparql-results+json"
RESULTS_XML = "application/sparql-results+xml"
CSV = "text/csv"
TSV = "text/tab-separated-values"
TURTLE = "text/turtle"
N_TRIPLES = "application/n-triples"
JSON_LD = "application/ld+json"
RDF_XML = "application/rdf+xml"

RESULT_TYPES = [RESULTS_JSON, RESULTS_XML, CSV, TSV]
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


def choose_formats(accept: str | None, format_parameter: str | None) -> tuple[str | None, str | None]:
    """Return the (results, graph) media types to answer with; either is ``None`` when none is acceptable.

    A ``format``/``output`` parameter wins over ``Accept``. Raises :class:`UnknownFormat` for an unknown value.
    """
    if format_parameter:
        key = format_parameter.strip().lower().split(";")[0].strip()
        if key not in FORMAT_PARAMETER:
            known = ", ".join(sorted(k for k in FORMAT_PARAMETER if "/" not in k))
            raise UnknownFormat(f"unknown format {format_parameter!r}; use one of {known} or a media type")
        return FORMAT_PARAMETER[key]
    return _choose(accept, RESULT_TYPES, RESULT_ALIASES), _choose(accept, GRAPH_TYPES, GRAPH_ALIASES)
