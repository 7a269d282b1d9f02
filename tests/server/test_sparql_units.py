"""Unit tests of the endpoint's parts: Accept negotiation, the query-text scan, the error shape, serializers."""

from __future__ import annotations

import json

import pytest
from flask import Flask

from kg.query_text import prefix_hint, undeclared_prefixes
from server.errors import error_response
from server.formats import choose_rdf
from server.httperror import HTTPError
from server.negotiation import negotiate, parse_accept, prefers_html
from server.query_check import check_query, may_call_service, nesting_depth

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


# ---------------------------------------------------------------- the checks before evaluation


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("SELECT * { ?s ?p ?o }", False),
        ("PREFIX ex: <http://x/> SELECT * { ?s ex:p ?o }", False),
        ("select * { service <http://a> {} }", True),
        (r"SELECT * { \u0053ERVICE <x> {} }", True),
        (r"SELECT * { \u0073\u0065rvice <x> {} }", True),
        ("SELECT * { \u017fERVICE <x> {} }", True),  # the long s folds to s
        ("PREFIX customerservice: <http://x/> ASK {}", True),  # a candidate: the parse decides
    ],
)
def test_may_call_service_never_misses_the_keyword(query: str, expected: bool) -> None:
    assert may_call_service(query) is expected


def test_nesting_depth_ignores_strings_and_comments() -> None:
    assert nesting_depth("SELECT * { { ?s ?p ?o } }") == 2
    assert nesting_depth('SELECT * { ?s ?p "{{{{{{" } # ((((((') == 1
    assert nesting_depth("ASK { FILTER((((1)))) }") == 5


def test_check_query_refuses_deep_nesting_and_services() -> None:
    with pytest.raises(HTTPError) as deep:
        check_query("SELECT * " + "{" * 500 + "}" * 500)
    assert deep.value.status == 400 and "nests 500 levels" in deep.value.message
    with pytest.raises(HTTPError) as service:
        check_query("SELECT * { SERVICE <http://example.org/sparql> {} }")
    assert service.value.status == 400


def test_check_query_with_an_allow_list() -> None:
    allowed = ["http://example.org/sparql"]
    check_query("PREFIX ex: <http://example.org/> SELECT * { SERVICE ex:sparql { ?s ?p ?o } }", {}, allowed)
    check_query("PREFIX customerservice: <http://x/> SELECT * { ?s customerservice:p ?o }", {}, allowed)
    check_query("PREFIX customerservice: <http://x/> SELECT * { ?s customerservice:p ?o }")
    for query in (
        "SELECT * { SERVICE <http://example.org/other> { ?s ?p ?o } }",
        "SELECT * { SERVICE ?x { ?s ?p ?o } }",
        "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } SERVICE <http://evil/> { ?s ?p ?o } }",
    ):
        with pytest.raises(HTTPError):
            check_query(query, {}, allowed)


def test_undeclared_prefixes() -> None:
    query = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT * { ?s a aa:Firm ; rdfs:label ?l ; zz:x ?y }"
    assert undeclared_prefixes(query, {}) == ["aa:", "zz:"]
    assert undeclared_prefixes(query) == ["zz:"]  # aa: is declared for every query
    assert prefix_hint(query) == "undeclared prefix zz: (add `PREFIX zz: <...>`)"


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


@pytest.mark.parametrize(
    ("accept", "html", "expected"),
    [
        ("application/json", False, "application/ld+json"),
        ("text/n3", False, "text/turtle"),
        ("application/x-turtle", False, "text/turtle"),
        ("text/html,application/xhtml+xml,*/*;q=0.8", True, "text/html"),
        ("image/png", False, None),
        (None, False, "text/turtle"),
    ],
)
def test_choose_rdf_takes_the_aliases_clients_send(accept: str | None, html: bool, expected: str | None) -> None:
    assert choose_rdf(accept, html) == expected


# ---------------------------------------------------------------- FROM decides the default graph


@pytest.mark.parametrize(
    ("query", "has_from"),
    [
        ("SELECT * WHERE { ?s ?p ?o }", False),
        ("SELECT * FROM <http://example.org/g> WHERE { ?s ?p ?o }", True),
        ("select*from<http://example.org/g>{?s ?p ?o}", True),
        ("SELECT * FROM NAMED <http://example.org/g> { GRAPH ?g { ?s ?p ?o } }", True),
        ("SELECT ?from WHERE { ?from aa:fromYear ?x }", False),  # a variable and a prefixed name
        ("SELECT * WHERE { ?s ?p 'deals from 2012' } # from a comment", False),
        ("SELECT * WHERE { ?s <http://example.org/from> ?o }", False),
        ("SELECT * \\u0046ROM <http://example.org/g> { ?s ?p ?o }", True),  # an escaped keyword
        ("SELECT * WHERE { ?s ?p ?o } VALUES ?x { 9 }", False),
    ],
)
def test_from_is_read_from_the_query_tokens(query: str, has_from: bool) -> None:
    from server.sparql import _has_from

    assert _has_from(query) is has_from
