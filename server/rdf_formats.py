"""The RDF serializations the site offers: media types, file suffixes and their pyoxigraph formats."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox

from kg.dumps import DUMP_PREFIXES, jsonld


@dataclass(frozen=True)
class RdfSerialization:
    """One offered serialization: its suffix (``ttl``), media type and pyoxigraph format."""

    suffix: str
    media_type: str
    format: ox.RdfFormat


SERIALIZATIONS: tuple[RdfSerialization, ...] = (
    RdfSerialization("ttl", "text/turtle", ox.RdfFormat.TURTLE),
    RdfSerialization("nt", "application/n-triples", ox.RdfFormat.N_TRIPLES),
    RdfSerialization("jsonld", "application/ld+json", ox.RdfFormat.JSON_LD),
    RdfSerialization("rdf", "application/rdf+xml", ox.RdfFormat.RDF_XML),
)
BY_SUFFIX = {s.suffix: s for s in SERIALIZATIONS}
BY_MEDIA_TYPE = {s.media_type: s for s in SERIALIZATIONS}
HTML = "text/html"
RDF_MEDIA_TYPES = [s.media_type for s in SERIALIZATIONS]
# Aliases that clients send for the same formats; negotiated like their canonical type.
MEDIA_TYPE_ALIASES = {
    "application/x-turtle": "text/turtle",
    "text/n3": "text/turtle",  # Turtle is a subset of N3
    "text/plain": "application/n-triples",
    "application/json": "application/ld+json",
    "application/xml": "application/rdf+xml",
    "text/xml": "application/rdf+xml",
}


def serialize(
    triples: Iterable[ox.Triple], serialization: RdfSerialization, prefixes: dict[str, str] = DUMP_PREFIXES
) -> bytes:
    """Serialize ``triples`` (deduplicated, in a stable order) with ``prefixes`` where the format has them.

    JSON-LD is compact, with the project's prefixes as its ``@context``.
    """
    unique = sorted(set(triples), key=str)
    if serialization.format == ox.RdfFormat.JSON_LD:
        return jsonld(unique)
    with_prefixes = serialization.format in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
    return ox.serialize(unique, format=serialization.format, prefixes=prefixes if with_prefixes else None) or b""


def content_type(media_type: str) -> str:
    """The ``Content-Type`` for ``media_type``: text types and N-Triples say they are UTF-8."""
    utf8 = media_type.startswith("text/") or media_type == "application/n-triples"
    return f"{media_type}; charset=utf-8" if utf8 else media_type


def link_header(path: str, exclude: str | None = None) -> str:
    """The ``Link`` header value naming every serialization of the resource at ``path`` (and its HTML).

    The path is percent-encoded (UTF-8), so a header never carries a character outside Latin-1 or a control.
    """
    path = quote(path, safe="/:@!$&'()*+,;=-._~%")
    links = [f'<{path}.html>; rel="alternate"; type="text/html"'] if exclude != HTML else []
    links += [
        f'<{path}.{s.suffix}>; rel="alternate"; type="{s.media_type}"'
        for s in SERIALIZATIONS
        if s.media_type != exclude
    ]
    return ", ".join(links)
