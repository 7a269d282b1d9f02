"""Safety of /sparql: read-only, no SERVICE unless allowed (no connection is ever made), a time limit that stops
evaluation while other queries are answered, bounds on query length and result size, and CORS."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient

from kg.config import Paths
from kg.iris import AA, FIRM, GRAPH_REGISTRY
from server.query_exec import QueryFailed, QueryJob, QueryPool
from server.sandbox import deny_internet_sockets

# Seconds of CPU in constant memory, so it ends at the time limit, never at the memory limit, however fast the machine
RUNAWAY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
SMALL = f"ASK {{ <{FIRM['bmw']}> a <{AA['Firm']}> }}"
TEST_TIMEOUT = 2.0  # QUERY_TIMEOUT of the apps in tests/server/conftest.py
COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def url(**params: str) -> str:
    return "/sparql?" + urlencode(params)


def count_quads(client: FlaskClient) -> int:
    response = client.get(url(query=COUNT))
    return int(json.loads(response.data)["results"]["bindings"][0]["n"]["value"])


# ---------------------------------------------------------------- SERVICE


def service_queries(target: str) -> list[str]:
    base, _, name = target.rpartition("/")
    return [
        f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"select * where {{ service <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ SERVICE SILENT <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ {{ SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }} }} }}",
        f"PREFIX remote: <{base}/> SELECT * WHERE {{ SERVICE remote:{name} {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?x {{ <{target}> }} SERVICE ?x {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ \\u0053ERVICE <{target}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ ?s ?p 1SERVICE <{target}> {{ ?a ?b ?c }} }}",
        f"ASK {{ ?s ?p 1 OPTIONAL {{ SERVICE<{target}>{{?a ?b ?c}} }} }}",
        f"PREFIX : <{base}/> SELECT * {{ ?s ?p ?o MINUS {{ SeRvIcE :{name} {{ ?s ?p ?o }} }} }}",
    ]


@pytest.mark.parametrize("index", range(10))
def test_service_is_refused_and_never_called(client: FlaskClient, listener: Any, index: int) -> None:
    query = service_queries(listener.url)[index]
    for response in (
        client.get(url(query=query)),
        client.post("/sparql", data=query, content_type="application/sparql-query"),
    ):
        assert 400 <= response.status_code < 500, response.text
    time.sleep(0.3)
    assert listener.connections == []


def test_service_refusal_says_why(client: FlaskClient, listener: Any) -> None:
    response = client.get(url(query=service_queries(listener.url)[0]))
    assert response.status_code == 400
    assert "SERVICE" in response.text


@pytest.mark.parametrize(
    "query",
    [
        "PREFIX ex: <http://example.org/> SELECT * WHERE { ?s ex:service ?o }",
        "SELECT * WHERE { ?s <http://example.org/SERVICE> ?service }",
        'SELECT * WHERE { ?s ?p "SERVICE <http://127.0.0.1/> { }" }',
        "SELECT * WHERE { ?s ?p ?o } # SERVICE <http://127.0.0.1/>",
    ],
)
def test_the_word_service_elsewhere_is_fine(client: FlaskClient, query: str) -> None:
    assert client.get(url(query=query)).status_code == 200


def test_allow_list_lets_a_listed_service_through(make_app, listener: Any) -> None:  # noqa: ANN001
    client = make_app(SERVICE_ALLOWLIST=[listener.url]).test_client()
    client.get(url(query=f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"))
    deadline = time.monotonic() + 5
    while not listener.connections and time.monotonic() < deadline:
        time.sleep(0.1)
    assert listener.connections and b"POST" in listener.connections[0]


def test_allow_list_still_refuses_other_services(make_app, listener: Any) -> None:  # noqa: ANN001
    client = make_app(SERVICE_ALLOWLIST=["https://query.wikidata.org/sparql"]).test_client()
    for query in (
        f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}",
        f"SELECT * WHERE {{ VALUES ?x {{ <{listener.url}> }} SERVICE ?x {{ ?s ?p ?o }} }}",
    ):
        response = client.get(url(query=query))
        assert response.status_code == 400, response.text
    time.sleep(0.3)
    assert listener.connections == []


def test_workers_cannot_open_internet_sockets(kg_var: Path, listener: Any) -> None:
    """Second line of defence: even a SERVICE call that got past the check cannot connect."""
    if not _seccomp_available():
        pytest.skip("seccomp filters are not available here")
    pool = QueryPool(str(Paths(var=kg_var).store), size=1, timeout=30, deny_network=True)  # cold, busy machine
    try:
        # the job's allow-list lets the call past the check; the pool's sandbox must still stop it
        query = f"SELECT * WHERE {{ SERVICE <{listener.url}> {{ ?s ?p ?o }} }}"
        job = QueryJob(query, "text/csv", service_allowlist=(listener.url,))
        with pytest.raises(QueryFailed) as failure:
            pool.execute(job)
        assert "Permission denied" in failure.value.message
    finally:
        pool.close()
    time.sleep(0.3)
    assert listener.connections == []


def _seccomp_available() -> bool:
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(1) as probe:
        return bool(probe.apply(deny_internet_sockets))


# ---------------------------------------------------------------- read-only


def test_updates_leave_the_data_unchanged(client: FlaskClient) -> None:
    before = count_quads(client)
    insert = f"INSERT DATA {{ GRAPH <{GRAPH_REGISTRY}> {{ <http://example.org/x> <http://example.org/p> 1 }} }}"
    attempts = [
        client.post("/sparql", data=insert, content_type="application/sparql-update"),
        client.post("/sparql", data={"update": insert}),
        client.post("/sparql", data={"update": "CLEAR ALL"}),
        client.post("/sparql", data={"query": insert}),
        client.get(url(query="DROP ALL")),
        client.get(url(update="CLEAR ALL")),
    ]
    assert [r.status_code for r in attempts] == [403] * len(attempts)
    assert count_quads(client) == before > 0
    assert client.get(url(query="ASK { <http://example.org/x> ?p ?o }")).text.count("false") == 1


# ---------------------------------------------------------------- time limit


def test_runaway_query_is_stopped_while_others_are_answered(app: Flask) -> None:
    runaway: dict[str, object] = {}

    def send_runaway() -> None:
        started = time.monotonic()
        response = app.test_client().get(url(query=RUNAWAY))
        runaway.update(status=response.status_code, text=response.text, elapsed=time.monotonic() - started,
                       finished=time.monotonic())  # fmt: skip

    thread = threading.Thread(target=send_runaway)
    thread.start()
    time.sleep(0.3)
    answered = []
    client = app.test_client()
    while thread.is_alive() and len(answered) < 3:
        response = client.get(url(query=SMALL))
        assert response.status_code == 200, response.text
        assert json.loads(response.data)["boolean"] is True  # reading the body frees the worker
        answered.append(time.monotonic())
    thread.join(timeout=TEST_TIMEOUT + 30)
    assert answered and answered[0] < runaway["finished"]  # type: ignore[operator]
    assert runaway["status"] == 503
    assert "time limit" in runaway["text"]  # type: ignore[operator]
    assert TEST_TIMEOUT - 0.5 <= runaway["elapsed"] < TEST_TIMEOUT + 10  # type: ignore[operator]
    # the server serves normally afterwards, on every worker
    for _ in range(4):
        assert json.loads(client.get(url(query=SMALL)).data)["boolean"] is True


@pytest.mark.live
def test_runaway_query_over_http(live_server: str) -> None:
    results: dict[str, object] = {}

    def send_runaway() -> None:
        try:
            urllib.request.urlopen(live_server + url(query=RUNAWAY), timeout=60)
        except urllib.error.HTTPError as error:
            results["status"] = error.code
            results["body"] = error.read().decode()
            error.close()
        results["finished"] = time.monotonic()

    thread = threading.Thread(target=send_runaway)
    thread.start()
    time.sleep(0.3)
    with urllib.request.urlopen(live_server + url(query=SMALL), timeout=30) as response:
        assert response.status == 200
        small_answered = time.monotonic()
    thread.join(timeout=60)
    assert results["status"] == 503
    assert "time limit" in results["body"]  # type: ignore[operator]
    assert small_answered < results["finished"]  # type: ignore[operator]
    with urllib.request.urlopen(live_server + url(query=SMALL), timeout=30) as response:
        assert json.loads(response.read())["boolean"] is True


# ---------------------------------------------------------------- bounds


def test_query_length_bound(make_app) -> None:  # noqa: ANN001
    client = make_app(MAX_QUERY_LENGTH=200).test_client()
    long_query = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 200
    for response in (
        client.get(url(query=long_query)),
        client.post("/sparql", data={"query": long_query}),
        client.post("/sparql", data=long_query, content_type="application/sparql-query"),
        client.post("/sparql", data="ASK {} #" + "x" * 2000, content_type="application/sparql-query"),
    ):
        assert response.status_code == 413
        assert "limit is 200" in response.text or "too large" in response.text
    assert client.get(url(query="ASK {}")).status_code == 200


@pytest.mark.parametrize("media_type", ["application/sparql-results+json", "text/csv"])
def test_rows_beyond_the_bound_are_cut_and_flagged(make_app, media_type: str) -> None:  # noqa: ANN001
    client = make_app(MAX_RESULT_ROWS=5).test_client()
    response = client.get(url(query="SELECT * WHERE { ?s ?p ?o }"), headers={"Accept": media_type})
    assert response.status_code == 200
    assert response.headers["X-Result-Truncated"] == "true"
    assert response.headers["X-Result-Row-Limit"] == "5"
    assert response.headers["X-Result-Rows"] == "5"
    if media_type == "text/csv":
        assert len(response.text.strip().splitlines()) == 1 + 5
    else:
        assert len(json.loads(response.data)["results"]["bindings"]) == 5


def test_triples_beyond_the_bound_are_cut_and_flagged(make_app) -> None:  # noqa: ANN001
    client = make_app(MAX_RESULT_ROWS=5).test_client()
    response = client.get(url(query="CONSTRUCT WHERE { ?s ?p ?o }"), headers={"Accept": "application/n-triples"})
    assert response.headers["X-Result-Truncated"] == "true"
    assert len(response.text.strip().splitlines()) == 5


def test_results_within_the_bound_are_not_flagged(make_app) -> None:  # noqa: ANN001
    client = make_app(MAX_RESULT_ROWS=5).test_client()
    response = client.get(url(query="SELECT * WHERE { ?s ?p ?o } LIMIT 5"))
    assert response.headers["X-Result-Truncated"] == "false"
    assert len(json.loads(response.data)["results"]["bindings"]) == 5


def test_large_results_stream_in_chunks(client: FlaskClient) -> None:
    response = client.get(url(query="SELECT * WHERE { ?s ?p ?o }"), headers={"Accept": "text/csv"},
                          buffered=False)  # fmt: skip
    assert response.is_streamed
    chunks = list(response.response)
    assert len(b"".join(chunks)) > 0
    response.close()


# ---------------------------------------------------------------- CORS


def test_cors_any_origin_without_credentials(client: FlaskClient) -> None:
    response = client.get(url(query=SMALL), headers={"Origin": "https://app.example"})
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response.headers
    assert "X-Result-Truncated" in response.headers["Access-Control-Expose-Headers"]


def test_cors_on_errors_too(client: FlaskClient) -> None:
    response = client.get(url(query="ASK {"), headers={"Origin": "https://app.example"})
    assert response.status_code == 400
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_cors_preflight(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://app.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type, accept",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_cors_allow_list_echoes_listed_origins_only(make_app) -> None:  # noqa: ANN001
    client = make_app(CORS_ORIGINS=["https://app.example"]).test_client()
    listed = client.get(url(query=SMALL), headers={"Origin": "https://app.example"})
    assert listed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert "Origin" in listed.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in listed.headers
    other = client.get(url(query=SMALL), headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/sparql", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in preflight.headers


def test_cors_disabled(make_app) -> None:  # noqa: ANN001
    client = make_app(CORS_ORIGINS="").test_client()
    response = client.get(url(query=SMALL), headers={"Origin": "https://app.example"})
    assert "Access-Control-Allow-Origin" not in response.headers
