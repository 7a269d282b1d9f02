"""Streaming serializers for SPARQL solution sequences: JSON, XML, CSV and TSV, as the W3C specifications define.

Each ``write_solutions`` call yields ``str`` pieces, one or a few rows at a time, so a large result never exists
as one string. Terms are pyoxigraph terms; an unbound variable is ``None``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .formats import CSV, RESULTS_JSON, RESULTS_XML, TSV

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
RDF_DIR_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#dirLangString"
Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple
Row = Sequence[Term | None]


def _plain_datatype(literal: ox.Literal) -> bool:
    return literal.datatype.value in (XSD_STRING, RDF_LANG_STRING, RDF_DIR_LANG_STRING)


def json_term(term: Term) -> dict[str, object]:
    """Return the SPARQL 1.1 (1.2 for triple terms and directions) JSON results encoding of ``term``."""
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Triple):
        parts = {"subject": term.subject, "predicate": term.predicate, "object": term.object}
        return {"type": "triple", "value": {k: json_term(v) for k, v in parts.items()}}
    encoded: dict[str, object] = {"type": "literal", "value": term.value}
    if term.language:
        encoded["xml:lang"] = term.language
        if term.direction is not None:
            encoded["its:dir"] = str(term.direction.value)
    elif not _plain_datatype(term):
        encoded["datatype"] = term.datatype.value
    return encoded


def xml_term(term: Term) -> str:
    """Return the SPARQL Query Results XML encoding of ``term``."""
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Triple):
        return (
            f"<triple><subject>{xml_term(term.subject)}</subject><predicate>{xml_term(term.predicate)}"
            f"</predicate><object>{xml_term(term.object)}</object></triple>"
        )
    if term.language:
        attributes = f" xml:lang={quoteattr(term.language)}"
    elif not _plain_datatype(term):
        attributes = f" datatype={quoteattr(term.datatype.value)}"
    else:
        attributes = ""
    return f"<literal{attributes}>{escape(term.value)}</literal>"


def csv_field(term: Term | None) -> str:
    """Return ``term`` as a CSV field: IRIs and literals by their plain value, blank nodes as ``_:id``."""
    if term is None:
        text = ""
    elif isinstance(term, ox.BlankNode):
        text = f"_:{term.value}"
    elif isinstance(term, ox.Triple):
        text = str(term)
    else:
        text = term.value
    if any(c in text for c in '",\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def tsv_field(term: Term | None) -> str:
    """Return ``term`` as a TSV field: its N-Triples form, with tabs escaped (they may only occur in literals)."""
    if term is None:
        return ""
    if isinstance(term, ox.Triple):
        return "<<( " + " ".join(tsv_field(t) for t in (term.subject, term.predicate, term.object)) + " )>>"
    return str(term).replace("\t", "\\t")


def _json(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield '{"head":{"vars":' + json.dumps(variables, separators=(",", ":")) + '},"results":{"bindings":['
    separator = ""
    for row in rows:
        binding = {v: json_term(t) for v, t in zip(variables, row, strict=True) if t is not None}
        yield separator + json.dumps(binding, ensure_ascii=False, separators=(",", ":"))
        separator = ",\n"
    yield "]}}\n"


def _xml(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    head = "".join(f"<variable name={quoteattr(v)}/>" for v in variables)
    yield (
        '<?xml version="1.0" encoding="UTF-8"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        f"<head>{head}</head><results>\n"
    )
    for row in rows:
        bindings = "".join(
            f"<binding name={quoteattr(v)}>{xml_term(t)}</binding>"
            for v, t in zip(variables, row, strict=True)
            if t is not None
        )
        yield f"<result>{bindings}</result>\n"
    yield "</results></sparql>\n"


def _csv(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield ",".join(csv_field(ox.Literal(v)) for v in variables) + "\r\n"
    for row in rows:
        yield ",".join(csv_field(t) for t in row) + "\r\n"


def _tsv(variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    yield "\t".join("?" + v for v in variables) + "\n"
    for row in rows:
        yield "\t".join(tsv_field(t) for t in row) + "\n"


WRITERS = {RESULTS_JSON: _json, RESULTS_XML: _xml, CSV: _csv, TSV: _tsv}


def write_solutions(media_type: str, variables: list[str], rows: Iterable[Row]) -> Iterator[str]:
    """Yield the serialization of ``rows`` (one term or ``None`` per variable) as ``media_type``.

    Raises ``KeyError`` for a media type that is not a results format.
    """
    return WRITERS[media_type](variables, rows)
