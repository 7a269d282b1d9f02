"""kg.exports: CSV tables and the partnership network, read back with the csv module and networkx."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import networkx as nx
import pytest
from click.testing import CliRunner

from kg.cli import main
from kg.config import Paths
from kg.exports import EXPORTS, write_exports
from tests.pages_data import DEAL, FIRM, network_store


@pytest.fixture
def exports(tmp_path: Path) -> Path:
    target = Paths(var=tmp_path).exports  # where the command looks for the current build's exports
    sums = write_exports(network_store(tmp_path), target)
    assert set(sums) == set(EXPORTS)
    for name, sha in sums.items():
        assert hashlib.sha256((target / name).read_bytes()).hexdigest() == sha
    return target


def rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_deals_table(exports: Path) -> None:
    deals = {r["deal"]: r for r in rows(exports / "deals.csv")}
    assert set(deals) == {DEAL + d for d in ("ab-2012", "bg-2015", "ag-talks", "abg-jv")}
    ab = deals[DEAL + "ab-2012"]
    assert (ab["kind"], ab["status"], ab["signed"], ab["ended"]) == ("cooperation", "ended", "2012", "2014-06")
    jv = deals[DEAL + "abg-jv"]
    assert (jv["kind"], jv["announced"], jv["value"], jv["currency"]) == ("joint venture", "2016", "2500000", "EUR")


def test_parties_table_has_roles(exports: Path) -> None:
    parties = {(r["deal"], r["firm"], r["role"]) for r in rows(exports / "parties.csv")}
    assert (DEAL + "bg-2015", FIRM + "beta", "supplier") in parties
    assert (DEAL + "bg-2015", FIRM + "gamma", "customer") in parties
    assert (DEAL + "ab-2012", FIRM + "alpha", "party") in parties
    assert len([p for p in parties if p[0] == DEAL + "abg-jv"]) == 3


def test_evidence_table_has_quote_and_source(exports: Path) -> None:
    (row,) = rows(exports / "evidence.csv")
    assert row["supports"] == DEAL + "ab-2012" and row["quote"] == "Alpha and Beta agree"
    assert row["attribution"] == "official statement" and row["document_title"] == "Alpha and Beta sign"
    assert row["issued"] == "2012-05-02"


def test_firms_table(exports: Path) -> None:
    firms = {r["firm"]: r for r in rows(exports / "firms.csv")}
    alpha = firms[FIRM + "alpha"]
    assert alpha["label"] == "Alpha Motors" and alpha["alt_labels"] == "Alpha AG; Älpha Fahrzeugwerke"
    assert alpha["country"] == "DE" and alpha["deals"] == "3" and alpha["partners"] == "2"
    assert firms[FIRM + "gamma"]["label"] == "Gamma <b>Labs</b>"  # data, kept as it is


@pytest.mark.parametrize("name", ["network.graphml", "network.gexf", "network.json"])
def test_network_reads_back_with_networkx(exports: Path, name: str) -> None:
    if name.endswith(".graphml"):
        graph = nx.read_graphml(exports / name)
    elif name.endswith(".gexf"):
        graph = nx.read_gexf(exports / name)
    else:
        graph = nx.node_link_graph(json.loads((exports / name).read_text(encoding="utf-8")), edges="links")
    # one edge per deal and pair of parties; talks are not partnerships
    assert sorted(graph.nodes) == [FIRM + "alpha", FIRM + "beta", FIRM + "gamma"]
    assert graph.number_of_edges() == 1 + 1 + 3
    edges = {(d["deal"], frozenset((u, v))): d for u, v, d in graph.edges(data=True)}
    ab = edges[(DEAL + "ab-2012", frozenset((FIRM + "alpha", FIRM + "beta")))]
    assert (ab["start"], ab["end"]) == ("2012-01-01", "2014-06-30")  # year and month precision widened
    bg = edges[(DEAL + "bg-2015", frozenset((FIRM + "beta", FIRM + "gamma")))]
    assert bg["start"] == "2015-03-02" and "end" not in bg and bg["kind"] == "supply agreement"
    if name.endswith(".gexf"):
        assert graph.graph["mode"] == "dynamic"
    if name.endswith(".graphml"):
        assert ab["start_year"] == 2012 and ab["end_year"] == 2014


def test_network_as_of_a_year_by_command(exports: Path, tmp_path: Path) -> None:
    var = exports.parent.parent
    for year, deals in ((2011, set()), (2013, {"ab-2012"}), (2015, {"bg-2015"}), (2016, {"bg-2015", "abg-jv"})):
        out = tmp_path / f"n{year}.graphml"
        result = CliRunner().invoke(main, ["export", "network", "--var", str(var), "--year", str(year), "-o", str(out)])
        assert result.exit_code == 0, result.output
        graph = nx.read_graphml(out)
        assert {d["deal"] for _, _, d in graph.edges(data=True)} == {DEAL + d for d in deals}, year


def test_export_command_without_a_build(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["export", "network", "--var", str(tmp_path)])
    assert result.exit_code == 2 and "run `autoalliance build`" in result.output


def test_exports_of_the_built_graph(kg_var: Path) -> None:
    manifest = json.loads((kg_var / "build.json").read_text(encoding="utf-8"))
    assert set(manifest["exports"]) == set(EXPORTS)
    deals = rows(Paths(var=kg_var).exports / "deals.csv")
    parties = rows(Paths(var=kg_var).exports / "parties.csv")
    assert deals and {p["deal"] for p in parties} <= {d["deal"] for d in deals}
    graph = nx.read_graphml(Paths(var=kg_var).exports / "network.graphml")
    status = {d["deal"]: d["status"] for d in deals}
    assert graph.number_of_edges() > 0
    for _, _, edge in graph.edges(data=True):
        assert status[edge["deal"]] in ("announced", "signed", "completed", "ended")


def test_exports_after_a_change_written_beside_equal_a_clean_write(tmp_path: Path) -> None:
    from kg.exports import write_site_data_and_exports

    network_store(tmp_path)
    clean = write_site_data_and_exports(tmp_path / "store", tmp_path / "clean")
    again = write_site_data_and_exports(
        tmp_path / "store", tmp_path / "again", "all", tmp_path / "clean", {FIRM + "alpha", DEAL + "abg-jv"}
    )
    assert again == clean
    for name in EXPORTS:
        assert (tmp_path / "again" / "exports" / name).read_bytes() == (
            tmp_path / "clean" / "exports" / name
        ).read_bytes()


def test_a_failing_export_beside_the_site_data_fails_the_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import kg.exports
    from kg.exports import write_site_data_and_exports

    clean = tmp_path / "clean"
    network_store(clean)
    write_site_data_and_exports(clean / "store", clean)

    def broken(*_: object) -> dict[str, str]:
        raise OSError("disk full")

    monkeypatch.setattr(kg.exports, "write_exports", broken)
    with pytest.raises(RuntimeError, match="writing the exports failed"):
        write_site_data_and_exports(clean / "store", tmp_path / "again", "rest", clean, {FIRM + "alpha"})
