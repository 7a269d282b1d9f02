"""The representative queries of the latency benchmark, each answerable on any corpus of bench.generate.

``{firm}`` is replaced by the IRI of the firm with the most partners (found once, untimed, before the runs).
"""

from __future__ import annotations

from kg.iris import PREFIXES

PROLOGUE = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in ("aa", "dcterms", "domain", "oa", "rdfs", "skos"))

TOP_FIRM = (
    PROLOGUE
    + """SELECT ?firm (COUNT(DISTINCT ?p) AS ?n) WHERE { ?firm aa:partnerOf ?p }
GROUP BY ?firm ORDER BY DESC(?n) ?firm LIMIT 1"""
)

QUERIES: dict[str, str] = {
    # A firm page's question: who works with this firm?
    "partners": """SELECT ?partner ?label WHERE {
  <{firm}> aa:partnerOf ?partner .
  ?partner rdfs:label ?label .
} ORDER BY ?label""",
    # Deals about any powertrain technology, walking the SKOS hierarchy in the query (not the inferred closure).
    "domain-broader": """SELECT DISTINCT ?deal ?label WHERE {
  ?d skos:broader* domain:powertrain .
  ?deal aa:domain ?d ; rdfs:label ?label .
} ORDER BY ?deal""",
    "count-per-status": """SELECT ?status (COUNT(DISTINCT ?deal) AS ?n) WHERE {
  ?deal a aa:Deal ; aa:status ?status .
} GROUP BY ?status ORDER BY ?status""",
    # Dates have three precisions (xsd:gYear, gYearMonth, date): their lexical forms compare as strings.
    "date-range": """SELECT ?deal ?signed WHERE {
  ?deal aa:signedOn ?signed .
  FILTER (STR(?signed) >= "2015-01" && STR(?signed) < "2016-07")
} ORDER BY ?signed ?deal""",
    # Three hops: firm <- deal -> evidence -> document, then a filter and a group.
    "three-hop-join": """SELECT ?firm (COUNT(DISTINCT ?doc) AS ?docs) WHERE {
  ?deal aa:party ?firm ; aa:evidence ?ev .
  ?ev oa:hasSource ?doc .
  ?doc dcterms:issued ?issued .
  FILTER (STR(?issued) >= "2020")
} GROUP BY ?firm ORDER BY DESC(?docs) ?firm LIMIT 20""",
    "full-scan-count": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def queries(firm: str) -> dict[str, str]:
    """The queries with their prologue, ``{firm}`` filled in."""
    return {name: PROLOGUE + text.replace("{firm}", firm) for name, text in QUERIES.items()}
