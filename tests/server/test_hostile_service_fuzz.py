"""Property-based fuzzing of the SERVICE check: Hypothesis writes SERVICE calls in disguise (case, escapes, comments,
prefixed names, BASE-relative IRIs, variables, wrappers, the ``FILTER(1<2)`` trick) aimed at a loopback listener,
and the listener must never receive a connection, with and without a SERVICE allow-list (with one, the workers have
network access, so the check on the parsed query is all that stands in the way)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from server_support import TEST_TIMEOUT, Listener, listening, warm

from server import create_app

SEPARATORS = st.sampled_from([" ", "", "\n", "\t", " #x\n", "\r\n", "  "])


@st.composite
def keyword(draw: st.DrawFn, word: str) -> str:
    """``word`` in random case, some letters written as ``\\u`` escapes."""
    letters = []
    for letter in word:
        choice = draw(st.integers(0, 3))
        if choice == 0:
            letters.append(letter.upper())
        elif choice == 1:
            letters.append(letter.lower())
        elif choice == 2:
            letters.append(f"\\u{ord(letter.upper()):04X}")
        else:
            letters.append(f"\\u{ord(letter.lower()):04x}")
    return "".join(letters)


@st.composite
def service_query(draw: st.DrawFn, target: str) -> str:
    base, _, name = target.rpartition("/")
    sep = draw(SEPARATORS)
    service = draw(keyword("service"))
    silent = draw(st.sampled_from(["", f" {draw(keyword('silent'))}"]))
    form = draw(st.sampled_from(["iri", "prefixed", "empty-prefix", "relative", "variable", "escaped-iri"]))
    prologue = ""
    if form == "iri":
        ref = f"<{target}>"
    elif form == "prefixed":
        prologue = f"PREFIX remote: <{base}/>\n"
        ref = f"remote:{name}"
    elif form == "empty-prefix":
        prologue = f"PREFIX : <{base}/>\n"
        ref = f":{name}"
    elif form == "relative":
        prologue = f"BASE <{base}/>\n"
        ref = f"<{name}>"
    elif form == "escaped-iri":
        ref = "<" + "".join(f"\\u{ord(c):04X}" if c in "s:/" else c for c in target) + ">"
    else:
        ref = "?endpoint"
    call = f"{service}{silent}{sep or ' '}{ref}{sep}{{{sep}?s ?p ?o{sep}}}"
    wrapper = draw(
        st.sampled_from(
            [
                "{c}",
                "{{ {c} }}",
                "OPTIONAL {{ {c} }}",
                "MINUS {{ {c} }}",
                "{{ ?a ?b ?c }} UNION {{ {c} }}",
                "{{ SELECT * WHERE {{ {c} }} }}",
                "FILTER EXISTS {{ {c} }}",
                "GRAPH ?g {{ {c} }}",
                "FILTER(1<2){c}",
                "?x ?y 1{c}",
            ]
        )
    )
    pattern = wrapper.format(c=call)
    if form == "variable":
        pattern = f"VALUES ?endpoint {{ <{target}> }} {pattern}"
    head = draw(st.sampled_from(["SELECT*WHERE", "SELECT * WHERE", "ASK", "CONSTRUCT WHERE", "select ?s where"]))
    return f"{prologue}{head}{sep}{{{sep}{pattern}{sep}}}"


@pytest.fixture(scope="module")
def apps(kg_var: Path) -> Iterator[dict[str, Flask]]:
    made = {
        "no allow-list": create_app({"VAR_DIR": str(kg_var), "QUERY_TIMEOUT": TEST_TIMEOUT * 2, "TESTING": True}),
        "allow-list": create_app(
            {
                "VAR_DIR": str(kg_var),
                "QUERY_TIMEOUT": TEST_TIMEOUT * 2,
                "TESTING": True,
                "SERVICE_ALLOWLIST": ["http://127.0.0.1:9/allowed"],
            }
        ),
    }
    for app in made.values():
        warm(app)
    yield made
    for app in made.values():
        app.extensions["autoalliance"]["query_pool"].close()


@pytest.fixture(scope="module")
def loopback() -> Iterator[Listener]:
    with listening() as recorder:
        yield recorder


@pytest.mark.parametrize("mode", ["no allow-list", "allow-list"])
def test_service_in_disguise_never_reaches_the_network(apps: dict[str, Flask], loopback: Listener, mode: str) -> None:
    client = apps[mode].test_client()
    statuses: list[int] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(query=service_query(loopback.url))
    def attempt(query: str) -> None:
        response = client.post("/sparql", data={"query": query})
        statuses.append(response.status_code)
        assert loopback.connections == [], query

    attempt()
    time.sleep(0.5)
    assert loopback.connections == []
    assert 400 in statuses  # the generator does produce queries that the check refuses


def test_the_disguises_are_real_service_calls(listener: Listener) -> None:
    """Without the check and the sandbox, pyoxigraph follows these disguises to the listener: the fuzzing aims
    at something real. (Oxigraph does not decode ``\\u`` escapes in keywords: those disguises are refused
    as syntax errors by the engine itself, and by the check.)"""
    import pyoxigraph as ox

    base, _, name = listener.url.rpartition("/")
    escaped_iri = "<" + "".join(f"\\u{ord(c):04X}" if c in "s:/" else c for c in listener.url) + ">"
    disguises = [
        f"PREFIX : <{base}/> SELECT*WHERE{{FILTER(1<2)SERVICE:{name}#>\n{{?s ?p ?o}}}}",
        f"BASE <{base}/> ASK {{ sErViCe SILENT <{name}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE {escaped_iri} {{ ?s ?p ?o }} }}",
    ]
    for query in disguises:
        try:
            result = ox.Store().query(query)
            bool(result) if isinstance(result, ox.QueryBoolean) else list(result)
        except (OSError, SyntaxError, RuntimeError, ValueError):
            pass
    deadline = time.monotonic() + 5
    while len(listener.connections) < len(disguises) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(listener.connections) == len(disguises)
