"""Queries answered before Flask's dispatch (:func:`server.sparql.answer_query_request`) get exactly the answer
the Flask view gives: the same status, headers and body, errors included."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask

from server.sparql import answer_query_request

SELECT = "SELECT ?f WHERE { ?f a aa:Firm } ORDER BY ?f LIMIT 3"
JSON = "application/sparql-results+json"

CASES: list[tuple[str, str, dict[str, str], bytes]] = [
    ("POST", "", {"CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_ACCEPT": JSON}, b""),
    ("POST", "", {"CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_ACCEPT": "text/csv"}, b""),
    ("POST", "", {"CONTENT_TYPE": "application/sparql-query", "HTTP_ORIGIN": "https://example.org"}, b""),
    ("GET", "format=json", {"HTTP_ACCEPT": "text/html"}, b""),
    ("GET", "", {"HTTP_ACCEPT": "image/png"}, b""),  # 406
    ("GET", "", {"HTTP_ACCEPT": JSON}, b"syntax"),  # 400 with the parser's message
    ("GET", "", {"HTTP_ACCEPT": JSON}, b"update"),  # 403
    ("GET", "", {"HTTP_ACCEPT": JSON}, b"function"),  # 400, refused before any worker
    ("POST", "", {"CONTENT_TYPE": "text/plain", "HTTP_ACCEPT": JSON}, b""),  # 415
]


def environ(method: str, query_string: str, headers: dict[str, str], query: str) -> dict[str, Any]:
    body = b""
    if method == "GET":
        query_string = "&".join(p for p in (urlencode({"query": query}), query_string) if p)
    elif headers.get("CONTENT_TYPE") == "application/sparql-query":
        body = query.encode()
    else:
        body = urlencode({"query": query}).encode()
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/sparql",
        "QUERY_STRING": query_string,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "localhost",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "CONTENT_LENGTH": str(len(body)),
        **headers,
    }


def through_flask(app: Flask, env: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    seen: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        seen["status"], seen["headers"] = status, headers

    flask_app = app.wsgi_app.wsgi_app  # type: ignore[attr-defined]  # the app behind the answer cache
    body = b"".join(flask_app(env, start_response))
    return seen["status"], dict(seen["headers"]), body


@pytest.mark.parametrize(("method", "query_string", "headers", "kind"), CASES)
def test_fast_path_answers_as_the_flask_view_does(
    make_app: Callable[..., Flask], method: str, query_string: str, headers: dict[str, str], kind: bytes
) -> None:
    app = make_app(ANSWER_CACHE_BYTES=0)
    query = {
        b"": SELECT,
        b"syntax": "SELECT * WHERE { ?s ?p }",
        b"update": "INSERT DATA { <urn:a> <urn:b> <urn:c> }",
        b"function": "SELECT (<urn:f>(1) AS ?x) {}",
    }[kind]
    expected = through_flask(app, environ(method, query_string, headers, query))
    answered = answer_query_request(app, environ(method, query_string, headers, query))
    assert answered is not None
    status, got_headers, body = answered
    assert (status, dict(got_headers), body) == expected
    assert len(got_headers) == len(dict(got_headers))  # no header twice
    assert expected[0][:3] in ("200", "400", "403", "406", "415")


def test_requests_without_a_query_go_on_to_flask(make_app: Callable[..., Flask]) -> None:
    app = make_app()
    for env in (
        environ("GET", "", {"HTTP_ACCEPT": "text/turtle"}, "") | {"QUERY_STRING": ""},  # the Service Description
        environ("OPTIONS", "", {}, SELECT),
        environ("PUT", "", {}, SELECT),
    ):
        assert answer_query_request(app, env) is None


@pytest.mark.parametrize("origin", ["https://example.org", "https://elsewhere.example"])
def test_fast_path_headers_with_a_cors_allow_list(make_app: Callable[..., Flask], origin: str) -> None:
    app = make_app(ANSWER_CACHE_BYTES=0, CORS_ORIGINS="https://example.org")
    headers = {"CONTENT_TYPE": "application/x-www-form-urlencoded", "HTTP_ACCEPT": JSON, "HTTP_ORIGIN": origin}
    expected = through_flask(app, environ("POST", "", headers, SELECT))
    answered = answer_query_request(app, environ("POST", "", headers, SELECT))
    assert answered is not None
    assert (answered[0], dict(answered[1]), answered[2]) == expected
