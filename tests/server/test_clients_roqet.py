"""roqet (Rasqal's command-line client, Debian package ``rasqal-utils``) against a live server process: as a
SPARQL protocol client (``-p``), and as a linked-data client that dereferences resource IRIs, the VoID and the
DCAT catalogue (``-D``) with Raptor's own ``Accept`` header.

roqet asks the endpoint for ``application/sparql-results+xml`` only, whatever the query form, so a CONSTRUCT
or DESCRIBE must be answered in a default RDF format rather than refused. (roqet 0.9.33 reads only variable
bindings from a remote endpoint: it prints nothing for an ASK, whatever the answer, so ASK is not tested here.)
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
from rdflib.namespace import RDF, RDFS

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
    return {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)),
                                                              ox.NamedNode(str(AA["Firm"])))}


@pytest.fixture(scope="module")
def bmw_deals(kg_var: Path) -> set[str]:
    store = store_of(kg_var)
    return {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(str(AA["party"])),
                                                              ox.NamedNode(str(BMW)))}


SELECT = PROLOGUE + "SELECT ?firm WHERE { ?firm a aa:Firm }"


def test_select_as_xml(live_server: str, firms: set[str]) -> None:
    root = ET.fromstring(roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "xml"))
    assert {e.text for e in root.iter(RESULTS + "uri")} == firms


def test_select_as_csv_and_tsv(live_server: str, firms: set[str]) -> None:
    rows = list(csv.DictReader(io.StringIO(roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "csv"))))
    assert {row["firm"] for row in rows} == firms
    header, *lines = roqet("-p", live_server + "/sparql", "-e", SELECT, "-r", "tsv").strip().split("\n")
    assert header == "?firm" and {line.strip("<>") for line in lines} == firms


@pytest.mark.parametrize(("output", "parser"), [("ntriples", "nt"), ("turtle", "turtle"), ("rdfxml", "xml")])
def test_construct(live_server: str, firms: set[str], output: str, parser: str) -> None:
    query = PROLOGUE + "CONSTRUCT { ?firm a aa:Firm } WHERE { ?firm a aa:Firm }"
    graph = Graph().parse(data=roqet("-p", live_server + "/sparql", "-e", query, "-r", output), format=parser)
    assert {str(s) for s in graph.subjects(RDF.type, URIRef(AA["Firm"]))} == firms


def test_describe(live_server: str) -> None:
    graph = Graph().parse(data=roqet("-p", live_server + "/sparql", "-e", PROLOGUE + "DESCRIBE firm:bmw", "-r",
                                     "ntriples"), format="nt")
    assert (URIRef(BMW), RDF.type, URIRef(AA["Firm"])) in graph
    assert graph.value(URIRef(BMW), RDFS.label) is not None


def test_dereferences_a_firm_and_finds_its_deals(live_server: str, bmw_deals: set[str]) -> None:
    """Raptor fetches the firm's IRI (its own Accept header) and parses what comes back: the deals that name
    the firm as a party are in it, as incoming links."""
    query = PROLOGUE + "SELECT ?deal ?label WHERE { ?deal aa:party firm:bmw ; rdfs:label ?label }"
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/id/firm/bmw", "-e", query, "-r", "csv"))))
    assert {row["deal"] for row in rows} == bmw_deals
    assert all(row["label"] for row in rows)


def test_reads_void_and_dcat(live_server: str, kg_var: Path) -> None:
    void = ("PREFIX void: <http://rdfs.org/ns/void#>\n"
            "SELECT ?d ?n ?e WHERE { ?d void:triples ?n ; void:sparqlEndpoint ?e }")
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/.well-known/void", "-e", void, "-r", "csv"))))
    assert [int(r["n"]) for r in rows] == [len({q.triple for q in store_of(kg_var)})]
    dcat = "PREFIX dcat: <http://www.w3.org/ns/dcat#>\nSELECT ?d ?url WHERE { ?d dcat:downloadURL ?url }"
    rows = list(csv.DictReader(io.StringIO(roqet("-D", live_server + "/catalog", "-e", dcat, "-r", "csv"))))
    assert any(r["url"].endswith("/dumps/autoalliance.ttl") for r in rows)
