"""kg.sitedata and kg.layout: what pages show about the whole graph, computed at build time."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from kg.config import Paths
from kg.layout import force_layout
from kg.sitedata import CONTENT, INDEX, SUMMARY, write_site_data
from tests.pages_data import DEAL, FIRM, network_store

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def test_summary_counts_network_and_timeline(tmp_path: Path) -> None:
    write_site_data(network_store(tmp_path), tmp_path / "site")
    summary = json.loads((tmp_path / "site" / SUMMARY).read_text(encoding="utf-8"))
    assert summary["counts"]["firms"] == 4 and summary["counts"]["deals"] == 4
    assert summary["counts"]["documents"] == 1 and summary["counts"]["quotes"] == 1
    network = summary["network"]
    assert {n["iri"] for n in network["nodes"]} == {FIRM + "alpha", FIRM + "beta", FIRM + "gamma"}
    assert len(network["edges"]) == 3
    for node in network["nodes"]:
        assert 0 <= node["x"] <= network["width"] and 0 <= node["y"] <= network["height"]
    deals = summary["timeline"]["deals"]
    assert [d["iri"] for d in deals] == [DEAL + "ab-2012", DEAL + "bg-2015", DEAL + "abg-jv"]  # by first date
    assert deals[0]["datatype"].endswith("#gYear")


def test_home_network_keeps_the_most_connected_firms(tmp_path: Path) -> None:
    from kg.sitedata import home_network, read_facts

    facts = read_facts(network_store(tmp_path))
    shown = home_network(facts, limit=1)
    assert [n["iri"] for n in shown["nodes"]] in ([FIRM + "alpha"], [FIRM + "beta"], [FIRM + "gamma"])
    assert shown["firms_with_partners"] == 3 and shown["edges"] == []


def test_timeline_becomes_deals_per_year_when_large(tmp_path: Path) -> None:
    from kg.sitedata import read_facts, timeline_data

    data = timeline_data(read_facts(network_store(tmp_path)), limit=2)
    assert data["deals"] == [] and data["years"] == [[2012, 1], [2015, 1], [2016, 1]]


def test_index_rows_partners_and_search(tmp_path: Path) -> None:
    write_site_data(network_store(tmp_path), tmp_path / "site")
    db = sqlite3.connect(tmp_path / "site" / INDEX)
    kinds = dict(db.execute("SELECT kind, COUNT(*) FROM resource GROUP BY kind"))
    assert kinds == {"firm": 4, "deal": 4, "document": 1}
    beta = db.execute("SELECT deals, partners FROM resource WHERE iri = ?", [FIRM + "beta"]).fetchone()
    assert beta == (3, 2)
    shared = dict(db.execute("SELECT partner, deals FROM partner WHERE firm = ?", [FIRM + "alpha"]))
    # deals shared in any status: with Beta the cooperation and the joint venture, with Gamma the talks and the JV
    assert shared == {FIRM + "beta": 2, FIRM + "gamma": 2}
    roles = dict(db.execute("SELECT firm, roles FROM deal_party WHERE deal = ?", [DEAL + "bg-2015"]))
    assert roles == {FIRM + "beta": "supplier", FIRM + "gamma": "customer"}
    deal = db.execute("SELECT date, status, deal_kind FROM resource WHERE iri = ?", [DEAL + "ab-2012"]).fetchone()
    assert deal == ("2012", "ended", "cooperation")
    # alternative names are searchable, case- and accent-insensitively
    found = [r[0] for r in db.execute("SELECT iri FROM search WHERE search MATCH ?", ['"alpha" "fahrzeug"*'])]
    assert found == [FIRM + "alpha"]


def test_content_lists_deals_firms_and_quotes_sorted(tmp_path: Path) -> None:
    write_site_data(network_store(tmp_path), tmp_path / "site")
    lines = (tmp_path / "site" / CONTENT).read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines]
    assert rows == sorted(rows)
    assert {r[0] for r in rows} == {"deal", "firm", "quote"}
    assert len([r for r in rows if r[0] == "deal"]) == 4 and all(len(r[2]) == 64 for r in rows)


def test_site_data_over_the_built_graph(kg_var: Path) -> None:
    summary = json.loads((Paths(var=kg_var).site / SUMMARY).read_text(encoding="utf-8"))
    db = sqlite3.connect(Paths(var=kg_var).site / INDEX)
    assert summary["counts"]["firms"] == db.execute("SELECT COUNT(*) FROM resource WHERE kind='firm'").fetchone()[0]
    assert summary["network"]["nodes"], "the seeds have partnerships"


def test_layout_is_deterministic_and_inside_the_box() -> None:
    edges = [(i, (i * 7 + 3) % 300) for i in range(300)]
    first = force_layout(300, edges, 900, 560, iterations=30)
    assert first == force_layout(300, edges, 900, 560, iterations=30)
    assert all(90 <= x <= 810 and 30 <= y <= 530 for x, y in first)
    assert len(set(first)) > 290, "nodes are spread out, not piled up"


def test_layout_pulls_partners_together() -> None:
    # two cliques of 10 joined by one edge: members of a clique end nearer each other than to the other clique
    edges = [(i, j) for c in (0, 10) for i in range(c, c + 10) for j in range(i + 1, c + 10)] + [(0, 10)]
    pos = force_layout(20, edges, 900, 560)

    def mean(pairs: list[tuple[int, int]]) -> float:
        return sum(math.dist(pos[i], pos[j]) for i, j in pairs) / len(pairs)

    inside = [(i, j) for c in (0, 10) for i in range(c, c + 10) for j in range(i + 1, c + 10)]
    across = [(i, j) for i in range(10) for j in range(10, 20)]
    assert mean(inside) < 0.7 * mean(across)


def test_records_read_by_subject_equal_records_read_by_predicate(tmp_path: Path) -> None:
    from kg.sitedata import read_records, update_records

    store = network_store(tmp_path)
    everything = read_records(store)
    assert everything[DEAL + "abg-jv"]["https://w3id.org/autoalliance/ontology#value"] == (
        {
            "https://schema.org/currency": (("EUR", XSD_STRING, ""),),
            "https://schema.org/value": (("2500000", XSD_STRING, ""),),
        },
    )  # a blank node, by its own statements
    assert read_records(store, list(everything)) == everything
    stale = {s: {} for s in everything} | {FIRM + "gone": {}}
    assert update_records(stale, store, [*everything, FIRM + "gone"]) == everything


def test_content_rows_of_some_subjects_are_those_of_all(tmp_path: Path) -> None:
    from kg.sitedata import content_rows, update_content

    store = network_store(tmp_path)
    rows = content_rows(store)
    some = [FIRM + "alpha", DEAL + "abg-jv"]
    assert content_rows(store, some) == [r for r in rows if r[1] in some]
    assert update_content([r for r in rows if r[1] not in some], store, some) == rows
