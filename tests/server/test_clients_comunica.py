"""Comunica (``@comunica/query-sparql``, pinned in ``tests/clients/package.json`` and installed there by ``make
test``) against a live server process: as a client of the SPARQL endpoint, and as a linked-data client that
queries resource documents, the VoID and the DCAT catalogue, joining across documents and following
``hydra:next`` through the pages of a hub.

(Given a URL alone, Comunica reads the Service Description and sends the query to its ``sd:endpoint``: the
public IRI under ``https://w3id.org/autoalliance/``, which this machine cannot reach, so the endpoint is named
with ``sparql@`` here.)
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from pages_support import store_of
from rdflib import Graph, URIRef
from rdflib.namespace import RDF
from server_support import running_server

from kg.iris import AA, BASE, FIRM, PREFIXES

pytestmark = pytest.mark.live
PROJECT_ROOT = Path(__file__).resolve().parents[2]
COMUNICA = PROJECT_ROOT / "tests" / "clients" / "node_modules" / ".bin" / "comunica-sparql"
PROLOGUE = "".join(f"PREFIX {name}: <{iri}>\n" for name, iri in PREFIXES.items() if name in ("aa", "firm", "rdfs"))
RESULTS_JSON = "application/sparql-results+json"
BMW = FIRM["bmw"]


def comunica(sources: list[str], query: str, media_type: str = RESULTS_JSON) -> str:
    """Run comunica-sparql over ``sources`` and return what it prints in ``media_type``."""
    if not COMUNICA.exists():
        pytest.fail("Comunica is not installed: `make setup-test` runs npm ci in tests/clients")
    done = subprocess.run(
        [str(COMUNICA), *sources, query, "-t", media_type],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=COMUNICA.parents[2],
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def bindings(output: str) -> list[dict[str, str]]:
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(output)["results"]["bindings"]]


@pytest.fixture(scope="module")
def firms(kg_var: Path) -> set[str]:
    store = store_of(kg_var)
    return {
        q.subject.value
        for q in store.quads_for_pattern(None, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(AA["Firm"])))
    }


def deals_of(kg_var: Path, firm: str) -> set[str]:
    store = store_of(kg_var)
    return {q.subject.value for q in store.quads_for_pattern(None, ox.NamedNode(str(AA["party"])), ox.NamedNode(firm))}


SELECT = PROLOGUE + "SELECT ?firm WHERE { ?firm a aa:Firm }"


@pytest.fixture(scope="module")
def paged_server(kg_var: Path) -> Iterator[str]:
    """A server that cuts resource descriptions into pages of 5 statements."""
    with running_server(kg_var, DESCRIPTION_PAGE_SIZE=5) as base:
        yield base


def test_select_from_the_endpoint(live_server: str, firms: set[str]) -> None:
    rows = bindings(comunica([f"sparql@{live_server}/sparql"], SELECT))
    assert {row["firm"] for row in rows} == firms


def test_follows_the_pages_of_a_hub(paged_server: str, kg_var: Path) -> None:
    """The firm's description is cut into pages of 5 statements; Comunica follows ``hydra:next`` to the end."""
    import urllib.request

    with urllib.request.urlopen(
        urllib.request.Request(f"{paged_server}/id/firm/bmw", headers={"Accept": "text/turtle"})
    ) as first:
        assert 'rel="next"' in first.headers["Link"]
    query = PROLOGUE + "SELECT ?deal WHERE { ?deal aa:party firm:bmw }"
    rows = bindings(comunica([f"{paged_server}/id/firm/bmw"], query))
    deals = deals_of(kg_var, str(BMW))
    assert len(deals) > 5 and {row["deal"] for row in rows} == deals


def test_ask_from_the_endpoint(live_server: str) -> None:
    for query, expected in (("ASK { firm:bmw a aa:Firm }", True), ("ASK { firm:bmw a aa:Deal }", False)):
        assert json.loads(comunica([f"sparql@{live_server}/sparql"], PROLOGUE + query))["boolean"] is expected


@pytest.mark.parametrize(("media_type", "parser"), [("application/n-triples", "nt"), ("text/turtle", "turtle")])
def test_construct_from_the_endpoint(live_server: str, firms: set[str], media_type: str, parser: str) -> None:
    query = PROLOGUE + "CONSTRUCT { ?firm a aa:Firm } WHERE { ?firm a aa:Firm }"
    graph = Graph().parse(data=comunica([f"sparql@{live_server}/sparql"], query, media_type), format=parser)
    assert {str(s) for s in graph.subjects(RDF.type, URIRef(AA["Firm"]))} == firms


def test_firm_document_leads_to_its_deals(live_server: str, kg_var: Path) -> None:
    """The firm's own document names every deal it is a party to, with their labels (incoming links)."""
    query = PROLOGUE + "SELECT ?deal ?label WHERE { ?deal aa:party firm:bmw ; rdfs:label ?label }"
    rows = bindings(comunica([f"{live_server}/id/firm/bmw"], query))
    assert {row["deal"] for row in rows} == deals_of(kg_var, str(BMW))


def test_join_across_two_resource_documents(live_server: str, kg_var: Path) -> None:
    query = PROLOGUE + "SELECT DISTINCT ?deal WHERE { ?deal aa:party firm:bmw , firm:toyota }"
    rows = bindings(comunica([f"{live_server}/id/firm/bmw", f"{live_server}/id/firm/toyota"], query))
    common = deals_of(kg_var, str(BMW)) & deals_of(kg_var, str(FIRM["toyota"]))
    assert common and {row["deal"] for row in rows} == common


def test_evidence_document_names_what_it_supports(live_server: str, kg_var: Path) -> None:
    store = store_of(kg_var)
    fact, evidence = next(
        (q.subject.value, q.object.value)
        for q in store.quads_for_pattern(None, ox.NamedNode(str(AA["evidence"])), None)
        if q.subject.value.startswith(BASE + "id/deal/")
    )
    query = (
        PROLOGUE + f"SELECT ?fact ?title WHERE {{ ?fact aa:evidence <{evidence}> . "
        "<" + evidence + "> <http://www.w3.org/ns/oa#hasSource> ?doc . ?doc <http://purl.org/dc/terms/title> ?title }"
    )
    rows = bindings(comunica([live_server + evidence[len(BASE) - 1 :]], query))
    assert {row["fact"] for row in rows} == {fact} and all(row["title"] for row in rows)


def test_void_and_catalog_documents(live_server: str, kg_var: Path) -> None:
    void = "SELECT ?n WHERE { ?d <http://rdfs.org/ns/void#sparqlEndpoint> ?e ; <http://rdfs.org/ns/void#triples> ?n }"
    rows = bindings(comunica([f"{live_server}/.well-known/void"], void))
    assert [int(r["n"]) for r in rows] == [len({q.triple for q in store_of(kg_var)})]
    dcat = "SELECT ?url WHERE { ?d <http://www.w3.org/ns/dcat#downloadURL> ?url }"
    urls = {r["url"] for r in bindings(comunica([f"{live_server}/catalog"], dcat))}
    assert BASE + "dumps/autoalliance.ttl" in urls
