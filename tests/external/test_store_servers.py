"""The real servers the external-store tests depend on start, answer SPARQL, and accept writes only with the
account the fixture created."""

from __future__ import annotations

import requests
from requests.auth import HTTPDigestAuth

from bench.stores import StoreServer

NT = b'<urn:x:s> <urn:x:p> "caf\\u00E9"@fr .\n<urn:x:s> <urn:x:p> <urn:x:o> .\n'


def _count(server: StoreServer, graph: str) -> int:
    endpoint = server.url + ("/sparql" if server.kind == "virtuoso" else "/query")
    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    response = requests.get(
        endpoint, params={"query": query}, timeout=30, headers={"Accept": "application/sparql-results+json"}
    )
    response.raise_for_status()
    return int(response.json()["results"]["bindings"][0]["n"]["value"])


def test_virtuoso_graph_store_needs_the_account(virtuoso: StoreServer) -> None:
    url = virtuoso.url + "/sparql-graph-crud-auth"
    params = {"graph-uri": "urn:x:fixture"}
    headers = {"Content-Type": "application/n-triples"}
    refused = requests.put(
        url, params=params, data=NT, headers=headers, timeout=30, auth=HTTPDigestAuth(virtuoso.user or "", "wrong")
    )
    assert refused.status_code == 401
    assert _count(virtuoso, "urn:x:fixture") == 0
    accepted = requests.put(
        url,
        params=params,
        data=NT,
        headers=headers,
        timeout=30,
        auth=HTTPDigestAuth(virtuoso.user or "", virtuoso.password or ""),
    )
    assert accepted.status_code in (200, 201, 204), accepted.text
    assert _count(virtuoso, "urn:x:fixture") == 2


def test_virtuoso_default_account_is_closed(virtuoso: StoreServer) -> None:
    response = requests.post(
        virtuoso.url + "/sparql-auth",
        data={"update": "CLEAR GRAPH <urn:x:fixture>"},
        auth=HTTPDigestAuth("dba", "dba"),
        timeout=30,
    )
    assert response.status_code == 401


def test_oxigraph_server_graph_store(oxigraph_server: StoreServer) -> None:
    response = requests.put(
        oxigraph_server.url + "/store",
        params={"graph": "urn:x:fixture"},
        data=NT,
        headers={"Content-Type": "application/n-triples"},
        timeout=30,
    )
    assert response.status_code in (201, 204), response.text
    assert _count(oxigraph_server, "urn:x:fixture") == 2


def test_servers_listen_on_loopback_only(store_server: StoreServer) -> None:
    assert store_server.url.startswith("http://127.0.0.1:")
    assert store_server.process.poll() is None
