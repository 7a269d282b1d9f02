"""Unit tests of the endpoint's parts: Accept negotiation, the query-text scan, the error shape, serializers."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest
from flask import Flask

from server.errors import error_response
from server.negotiation import negotiate, parse_accept, prefers_html
from server.query_check import QueryRefused, analyze, check_query, undeclared_prefixes
from server.results import write_solutions

# ---------------------------------------------------------------- negotiate


@pytest.mark.parametrize(
    ("accept", "offered", "expected"),
    [
        (None, ["a/b", "c/d"], "a/b"),
        ("", ["a/b", "c/d"], "a/b"),
        ("*/*", ["a/b", "c/d"], "a/b"),
        ("c/d", ["a/b", "c/d"], "c/d"),
        ("C/D", ["a/b", "c/d"], "c/d"),
        ("a/b;q=0.5, c/d", ["a/b", "c/d"], "c/d"),
        ("a/b;q=0.5, c/*;q=0.6", ["a/b", "c/d"], "c/d"),
        ("*/*;q=0.1, a/b;q=0", ["a/b", "c/d"], "c/d"),
        ("a/*, a/b;q=0", ["a/b", "a/c"], "a/c"),
        ("x/y", ["a/b"], None),
        ("a/b;q=0", ["a/b"], None),
        ("c/d, a/b", ["a/b", "c/d"], "c/d"),  # equal q: the client's order
        ("a/*, c/d", ["a/b", "c/d"], "c/d"),  # equal q: exact beats wildcard
        ("a/b; charset=utf-8; q=0.4, c/d;q=0.3", ["a/b", "c/d"], "a/b"),
        ("a/b;q=bogus, c/d;q=0.1", ["a/b", "c/d"], "c/d"),
        ("garbage, c/d", ["a/b", "c/d"], "c/d"),
        ("a/b;q=2", ["a/b"], "a/b"),
    ],
)
def test_negotiate(accept: str | None, offered: list[str], expected: str | None) -> None:
    assert negotiate(accept, offered) == expected


def test_negotiate_nothing_offered() -> None:
    assert negotiate("*/*", []) is None


def test_parse_accept_skips_malformed_ranges() -> None:
    assert [(r.type, r.subtype) for r in parse_accept("text/html, nonsense, */html, a/b")] == [
        ("text", "html"),
        ("a", "b"),
    ]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
        ("*/*", False),
        (None, False),
        ("text/turtle, text/html;q=0.5", False),
        ("application/sparql-results+json", False),
    ],
)
def test_prefers_html(accept: str | None, expected: bool) -> None:
    assert prefers_html(accept) is expected


# ---------------------------------------------------------------- the query-text scan


@pytest.mark.parametrize(
    ("query", "form", "services", "has_from"),
    [
        ("SELECT * {?s ?p ?o}", "SELECT", 0, False),
        ("PREFIX a: <x:> BASE <y:> construct where {?s ?p ?o}", "CONSTRUCT", 0, False),
        ("# comment SELECT\nASK {}", "ASK", 0, False),
        ("SELECT * FROM <g> {}", "SELECT", 0, True),
        ("SELECT ?from { ?from ?p ?o }", "SELECT", 0, False),
        ("PREFIX ex: <http://x/> SELECT * { ?s ex:service 'SERVICE' } # SERVICE", "SELECT", 0, False),
        ('ASK { ?s ?p """a " SERVICE <x> {}""" }', "ASK", 0, False),
        ("ASK { ?s <http://x/#SERVICE> ?service }", "ASK", 0, False),
        ("select * { service <http://a> {} }", "SELECT", 1, False),
        ("SELECT * { ?s ?p 1SERVICE <x> {} }", "SELECT", 1, False),
        ("SELECT * { ?s ?p true SERVICE:x {} }", "SELECT", 1, False),
        (r"SELECT * { \u0053ERVICE <x> {} }", "SELECT", 1, False),
        (r'SELECT * { ?s ?p "a\u005C" SERVICE <x> {} "" }', "SELECT", 1, False),
        ("INSERT DATA {}", "INSERT", 0, False),
        ("PREFIX a: <x:> WITH <g> DELETE {} WHERE {}", "WITH", 0, False),
    ],
)
def test_analyze(query: str, form: str, services: int, has_from: bool) -> None:
    facts = analyze(query)
    assert (facts.form, facts.services, facts.has_from) == (form, services, has_from)


def test_check_query_refuses_updates_and_services() -> None:
    with pytest.raises(QueryRefused) as update:
        check_query("LOAD <http://example.org/>")
    assert update.value.status == 403
    with pytest.raises(QueryRefused) as service:
        check_query("SELECT * { SERVICE <http://example.org/sparql> {} }")
    assert service.value.status == 400


def test_check_query_with_an_allow_list() -> None:
    allowed = ["http://example.org/sparql"]
    check_query("PREFIX ex: <http://example.org/> SELECT * { SERVICE ex:sparql { ?s ?p ?o } }", allowed)
    for query in (
        "SELECT * { SERVICE <http://example.org/other> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?x { ?s ?p ?o } }",
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } SERVICE <http://evil/> { ?s ?p ?o } }",
    ):
        with pytest.raises(QueryRefused):
            check_query(query, allowed)


def test_undeclared_prefixes() -> None:
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * { ?s a aa:Firm ; rdfs:label ?l ; aa:x ?y }"
    assert undeclared_prefixes(query) == ["aa:"]


# ---------------------------------------------------------------- the error shape


@pytest.mark.parametrize(
    ("accept", "mimetype"),
    [(None, "text/plain"), ("application/json", "application/json"),
     ("application/sparql-results+json", "application/json"), ("text/html", "text/plain")],
)  # fmt: skip
def test_error_shape(accept: str | None, mimetype: str) -> None:
    app = Flask(__name__)
    headers = {"Accept": accept} if accept else {}
    with app.test_request_context("/", headers=headers):
        response = error_response(418, "short and stout", {"X-Extra": "1"})
    assert response.status_code == 418
    assert response.mimetype == mimetype
    assert response.headers["X-Extra"] == "1"
    text = response.get_data(as_text=True)
    if mimetype == "application/json":
        assert json.loads(text) == {"ok": False, "status": 418, "error": "I'm a Teapot", "message": "short and stout"}
    else:
        assert text == "418 I'm a Teapot: short and stout\n"


# ---------------------------------------------------------------- serializers


def test_solutions_round_trip_through_pyoxigraph_parsers() -> None:
    rows = [
        [ox.NamedNode("http://example.org/a"), ox.Literal('x,"y"\n\tz', language="en")],
        [ox.BlankNode("b0"), ox.Literal("12", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))],
        [None, ox.Literal("<&>")],
    ]
    formats = {
        "application/sparql-results+json": ox.QueryResultsFormat.JSON,
        "application/sparql-results+xml": ox.QueryResultsFormat.XML,
        "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    }
    for media_type, fmt in formats.items():
        body = "".join(write_solutions(media_type, ["s", "o"], rows)).encode()
        parsed = [[solution["s"], solution["o"]] for solution in ox.parse_query_results(body, format=fmt)]
        assert [[str(t) for t in row] for row in parsed] == [[str(t) for t in row] for row in rows], media_type


def test_csv_quotes_fields() -> None:
    body = "".join(write_solutions("text/csv", ["o"], [[ox.Literal('a,"b"')], [None]]))
    assert body == 'o\r\n"a,""b"""\r\n\r\n'
