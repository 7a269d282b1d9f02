"""What a query is and what its answer is, shared by every backend (the worker pool and an external store).

:class:`QueryJob` says what to answer and how; :class:`QueryAnswer` is the serialized answer. The helpers here
serialize a graph answer (:func:`answer_graph`), bound an answer's size (:class:`TooLarge`) and keep XML answers
well-formed (:data:`XML_ILLEGAL`, :func:`xml_safe`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import islice

import pyoxigraph as ox

from .httperror import HTTPError

# the prologue of a query: whitespace, comments, BASE and PREFIX declarations
PROLOGUE = re.compile(r"(?:\s+|#[^\n\r]*|(?i:BASE)\s*<[^>]*>|(?i:PREFIX)\s*[^\s:]*:\s*<[^>]*>)*")
XML_ILLEGAL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # no XML 1.0 document can contain these
REPLACEMENT = "\ufffd".encode()
XML_TYPES = ("application/sparql-results+xml", "application/rdf+xml")
JSON_LD = "application/ld+json"


@dataclass(frozen=True)
class QueryJob:
    """One query and how to answer it. ``None`` graph lists mean "not given by the request"."""

    query: str
    results_type: str | None  # media type for SELECT/ASK; None: none acceptable (406)
    graph_type: str = "text/turtle"  # media type for CONSTRUCT/DESCRIBE
    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    union_default_graph: bool = True
    max_rows: int = 100_000
    max_bytes: int = 64 * 1024 * 1024
    prefixes: tuple[tuple[str, str], ...] = ()  # declared for parsing and written in Turtle and RDF/XML
    service_allowlist: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryAnswer:
    """A serialized answer: the kind of result, its media type, its rows (or triples) and whether it was cut."""

    kind: str  # "solutions", "boolean" or "graph"
    media_type: str
    rows: int
    truncated: bool
    body: bytes


class TooLarge(Exception):
    """An answer grew past its job's ``max_bytes``."""


def answer_graph(triples: ox.QueryTriples, job: QueryJob) -> QueryAnswer:
    """Serialize the distinct ``triples`` (at most ``job.max_rows``) as ``job.graph_type``.

    Raises :class:`TooLarge` past ``job.max_bytes`` and :class:`HTTPError` 406 for triple terms in JSON-LD."""
    media = job.graph_type
    unique = list(dict.fromkeys(islice(triples, job.max_rows + 1)))
    truncated = len(unique) > job.max_rows
    del unique[job.max_rows :]
    if media == JSON_LD:
        if any(isinstance(t.object, ox.Triple) or isinstance(t.subject, ox.Triple) for t in unique):
            raise HTTPError(406, "JSON-LD cannot carry triple terms; ask for Turtle or N-Triples")
        from kg.dumps import jsonld  # compact, with the project's prefixes as its context

        body = jsonld(unique)
    else:
        fmt = ox.RdfFormat.from_media_type(media)
        with_prefixes = fmt in (ox.RdfFormat.TURTLE, ox.RdfFormat.RDF_XML)
        body = ox.serialize(unique, format=fmt, prefixes=dict(job.prefixes) if with_prefixes else None) or b""
    if len(body) > job.max_bytes:
        raise TooLarge
    return QueryAnswer("graph", media, len(unique), truncated, body)


def xml_safe(answer: QueryAnswer) -> QueryAnswer:
    """``answer`` with the characters XML 1.0 forbids replaced by U+FFFD when it is XML, else ``answer``."""
    if answer.media_type in XML_TYPES and XML_ILLEGAL.search(answer.body):
        return QueryAnswer(
            answer.kind, answer.media_type, answer.rows, answer.truncated, XML_ILLEGAL.sub(REPLACEMENT, answer.body)
        )
    return answer
