"""roqet (Rasqal's command-line client, Debian package ``rasqal-utils``) against a live server process: as a
SPARQL protocol client (``-p``), and as a linked-data client that dereferences resource IRIs, the VoID and the
DCAT catalogue (``-D``) with Raptor's own ``Accept`` header.

roqet asks the endpoint for ``application/sparql-results+xml`` only, whatever the query form, so a CONSTRUCT
or DESCRIBE must be answered in a default RDF format rather than refused. Rasqal's protocol client (0.9.33)
reads only variable bindings from an endpoint: it prints nothing for an ASK and cannot read a graph, whatever
the server answers, so for those the tests replay roqet's own request.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pyoxigraph as ox
import pytest
from pages_support import store_of
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from kg.iris import AA, FIRM, PREFIXES

pytestmark = pytest.mark.live
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name in ("aa", "firm", "rdfs"))
RESULTS = "{http://www.w3.org/2005/sparql-results#}"
BMW = FIRM["bmw"]


def roqet(*args: str) -> str:
    """Run roqet and return its standard output; an error or a warning (roqet exits with 2 after warnings, such as
    a parse warning about the data it fetched, or a variable bound but not selected) fails with its message."""
    executable = shutil.which("roqet")
    if executable is None:
        pytest.fail("roqet is not installed: `make setup-test` installs the Debian package rasqal-utils")
    done = subprocess.run([executable, *args], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "Error" not in done.stderr and "Warning" not in done.stderr, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def firms(kg_var: Path) -> set[str]:
    store = store_of(kg_var)
    return {
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AA["Firm"])))
    }


@pytest.fixture(scope="module")
def bmw_deals(kg_var: Path) -> set[str]:
    store = store_of(kg_var)
    return {
        q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(str(AA["party"])), ox.NamedNode(str(BMW)))
    }


SELECT = PROLOGUE + "SELECT ?firm WHERE { ?firm a aa:Firm }"


def test_select_as_xml(live_server: str, firms: set[str]) -> None:
    root = ET.fromstring(roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "xml"))
    assert {e.text for e in root.iter(RESULTS + "uri")} == firms


def test_select_as_csv_and_tsv(live_server: str, firms: set[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "csv"))))
    assert {row["firm"] for row in rows} == firms
    header, *lines = roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "tsv").strip().split("\n")
    assert header == "?firm" and {line.strip("<>") for line in lines} == firms


def request_headers(raw: bytes) -> dict[str, str]:
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}


@pytest.mark.parametrize(
    "form",
    ["CONSTRUCT { ?firm a aa:Firm } WHERE { ?firm a aa:Firm }", "DESCRIBE firm:bmw", "ASK { firm:bmw a aa:Firm }"],
)
def test_queries_as_roqet_sends_them(live_server: str, listener, form: str) -> None:  # noqa: ANN001
    """roqet's own request, recorded, then sent to the server: a graph query is answered with RDF although roqet
    asks only for SPARQL XML results, an ASK with the boolean. (roqet itself cannot read either from an
    endpoint: Rasqal's protocol client reads variable bindings only.)"""
    import urllib.request

    query = PROLOGUE + form
    subprocess.run(
        [shutil.which("roqet") or "roqet", "-q", "-p", listener.url, "-e", query], capture_output=True, timeout=60
    )
    assert listener.connections, "roqet sent no request"
    raw = listener.connections[0]
    request_line = raw.split(b"\r\n", 1)[0].decode("latin-1")
    method, target, _ = request_line.split(" ")
    headers = request_headers(raw)
    assert method == "GET" and headers["accept"] == "application/sparql-results+xml"
    replay = urllib.request.Request(live_server + target, headers={"Accept": headers["accept"]})
    with urllib.request.urlopen(replay, timeout=30) as response:
        media_type = response.headers.get_content_type()
        body = response.read()
    if form.startswith("ASK"):
        assert media_type == "application/sparql-results+xml"
        assert ET.fromstring(body).find(RESULTS + "boolean").text == "true"  # type: ignore[union-attr]
        return
    parser = {
        "text/turtle": "turtle",
        "application/n-triples": "nt",
        "application/rdf+xml": "xml",
        "application/ld+json": "json-ld",
    }[media_type]
    graph = Graph().parse(data=body, format=parser)
    assert (URIRef(BMW), RDF.type, URIRef(AA["Firm"])) in graph


def test_graph_queries_are_not_refused(live_server: str) -> None:
    """What roqet reports: no HTTP error any more, only that it cannot read a graph as variable bindings."""
    query = PROLOGUE + "CONSTRUCT { ?firm a aa:Firm } WHERE { ?firm a aa:Firm }"
    done = subprocess.run(
        [shutil.which("roqet") or "roqet", "-p", live_server + "/sparql", "-e", query],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HTTP status" not in done.stderr and "Failed to fetch" not in done.stderr, done.stderr


def test_dereferences_a_firm_and_finds_its_deals(live_server: str, bmw_deals: set[str]) -> None:
    """Raptor fetches the firm's IRI (its own Accept header) and parses what comes back: the deals that name
    the firm as a party are in it, as incoming links."""
    query = PROLOGUE + "SELECT ?deal ?label WHERE { ?deal aa:party firm:bmw ; rdfs:label ?label }"
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/id/firm/bmw", "-e", query, "-r", "csv"))))
    assert {row["deal"] for row in rows} == bmw_deals
    assert all(row["label"] for row in rows)


def test_reads_void_and_dcat(live_server: str, kg_var: Path) -> None:
    void = (
        "PREFIX void: <http://rdfs.org/ns/void#>\nSELECT ?d ?n ?e WHERE { ?d void:triples ?n ; void:sparqlEndpoint ?e }"
    )
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/.well-known/void", "-e", void, "-r", "csv"))))
    assert [int(r["n"]) for r in rows] == [len({q.triple for q in store_of(kg_var)})]
    dcat = "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nSELECT ?d ?url WHERE { ?d dcat:downloadURL ?url }"
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/catalog", "-e", dcat, "-r", "csv"))))
    assert any(r["url"].endswith("/dumps/autoalliance.ttl") for r in rows)
