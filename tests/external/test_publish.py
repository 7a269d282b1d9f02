"""``autoalliance publish`` against real stores: Virtuoso and Oxigraph's server.

Every graph arrives as it is in the build (isomorphic, blank nodes included), by the Graph Store Protocol or by
SPARQL Update; publishing again sends only what changed and replaces it without duplicates; an interrupted
publish leaves every graph old or new; a count that differs afterwards is exit code 1; credentials never show.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from click.testing import CliRunner
from rdflib import XSD, Graph, Literal
from rdflib.compare import graph_diff, isomorphic
from store_loading import clear, project_graphs
from store_proxy import cutting_proxy

from bench.stores import StoreServer
from kg import publish as publish_module
from kg.cli import main
from kg.config import Paths
from kg.publish import STAGING_PREFIX, local_graphs, publish, state_path
from kg.remote_store import PASSWORD_ENV, USER_ENV, RemoteStore, StoreError, endpoints_for
from kg.store import open_store, write_store

DATA = Path(__file__).resolve().parents[1] / "data"
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def target_for(server: StoreServer, url: str | None = None, password: str | None = None) -> RemoteStore:
    endpoints = endpoints_for(server.kind, url or server.url)
    return RemoteStore(endpoints, server.user, password or server.password, timeout=60)


@pytest.fixture
def clean(store_server: StoreServer) -> Iterator[StoreServer]:
    """The store, without any graph of ours (each test starts from an empty target)."""
    clear(store_server)
    yield store_server


def rdf_graph(data: bytes) -> Graph:
    return Graph().parse(data=data.decode("utf-8"), format="nt")


def local_graph(paths: Paths, graph: str) -> Graph:
    store = open_store(paths.store)
    triples = [q.triple for q in store.quads_for_pattern(None, None, None, ox.NamedNode(graph))]
    return rdf_graph(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))


def numbers_as_values(graph: Graph) -> Graph:
    """``graph`` with each integral xsd:decimal written as xsd:integer: Virtuoso 7.2 returns an xsd:integer above
    2^31 as an xsd:decimal of the same value (docs/deployment.md), which is equal in SPARQL but not in RDF."""
    normal = Graph()
    for s, p, o in graph:
        if isinstance(o, Literal) and o.datatype == XSD.decimal and o.value == int(o.value):
            o = Literal(str(int(o.value)), datatype=XSD.integer)
        normal.add((s, p, o))
    return normal


def assert_same(expected: Graph, found: Graph, name: str, kind: str = "oxigraph") -> None:
    if kind == "virtuoso":
        expected, found = numbers_as_values(expected), numbers_as_values(found)
    if not isomorphic(expected, found):
        _, only_expected, only_found = graph_diff(expected, found)
        pytest.fail(f"{name} differs: missing {sorted(only_expected)[:5]}, unexpected {sorted(only_found)[:5]}")


def write_build(var: Path, quads: list[ox.Quad]) -> Paths:
    paths = Paths(var=var)
    paths.store.parent.mkdir(parents=True, exist_ok=True)
    write_store(quads, paths.store)
    return paths


def sample_quads() -> list[ox.Quad]:
    with open(DATA / "sample.trig", "rb") as f:
        return list(ox.parse(f, format=ox.RdfFormat.TRIG))


def copy_build(source: Path, tmp_path: Path) -> Paths:
    """A private copy of a built var directory, so the publish state written beside it stays in this test."""
    var = tmp_path / "var"
    shutil.copytree(source, var, symlinks=True)
    return Paths(var=var)


def run_cli(args: list[str], env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k not in (USER_ENV, PASSWORD_ENV)}
    environment.update(env or {})
    environment["PYTHONPATH"] = str(PROJECT_ROOT)
    return subprocess.run(
        [sys.executable, "-m", "kg.cli", "publish", *args],
        capture_output=True,
        text=True,
        env=environment,
        cwd=PROJECT_ROOT,
        timeout=600,
        stdin=subprocess.DEVNULL,
    )


def credentials(server: StoreServer) -> dict[str, str]:
    return {USER_ENV: server.user, PASSWORD_ENV: server.password} if server.user and server.password else {}


@pytest.mark.parametrize("method", ["gsp", "update"])
def test_every_graph_arrives_as_built(clean: StoreServer, kg_var: Path, tmp_path: Path, method: str) -> None:
    paths = copy_build(kg_var, tmp_path)
    done = run_cli(
        ["--to", clean.url, "--store-kind", clean.kind, "--var", str(paths.var), "--method", method], credentials(clean)
    )
    assert done.returncode == 0, done.stderr
    local = local_graphs(open_store(paths.store))
    assert project_graphs(clean) == {g.iri: g.count for g in local.values()}
    target = target_for(clean)
    for iri in local:  # the ontology graph has blank nodes (OWL axioms): isomorphism, not equality
        assert_same(local_graph(paths, iri), rdf_graph(target.get_graph(iri)), iri, clean.kind)
    assert f"{len(local)} graph(s) sent" in done.stderr
    again = run_cli(["--to", clean.url, "--store-kind", clean.kind, "--var", str(paths.var)], credentials(clean))
    assert again.returncode == 0, again.stderr
    assert "0 graph(s) sent (0 triples" in again.stderr and f"{len(local)} unchanged" in again.stderr


def _with_doc(quads: list[ox.Quad]) -> tuple[str, str]:
    graphs = sorted({q.graph_name.value for q in quads if isinstance(q.graph_name, ox.NamedNode)})
    doc = next(g for g in graphs if "/graph/doc/" in g)
    return doc, next(g for g in graphs if g.endswith("/graph/inferred"))


def test_publishing_again_replaces_what_changed_and_only_that(clean: StoreServer, tmp_path: Path) -> None:
    v1 = sample_quads()
    paths = write_build(tmp_path / "var", v1)
    target = target_for(clean)
    first = publish(paths, target)
    assert first.ok and len(first.sent) == 4
    doc, inferred = _with_doc(v1)
    registry = "https://w3id.org/autoalliance/graph/registry"
    # another writer edits an unchanged graph behind our back, keeping its size: it must not be resent
    edited = next(q for q in v1 if q.graph_name.value == registry and isinstance(q.object, ox.Literal))
    replaced = ox.Triple(edited.subject, edited.predicate, ox.Literal("edited by hand"))
    target.update(
        f"DELETE DATA {{ GRAPH <{registry}> {{ {edited.triple} }} }} ;\n"
        f"INSERT DATA {{ GRAPH <{registry}> {{ {replaced} }} }}"
    )
    kept = [q for q in v1 if not (q.graph_name.value == doc and "label" in q.predicate.value)]
    kept = [q for q in kept if q.graph_name.value != inferred]
    new_doc = ox.NamedNode("https://w3id.org/autoalliance/graph/doc/added")
    added = [
        ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal(f"v{i}"), ox.NamedNode(doc))
        for i in range(3)
    ]
    added += [ox.Quad(ox.NamedNode("urn:x:s"), ox.NamedNode("urn:x:p"), ox.Literal("new"), new_doc)]
    write_build(paths.var, kept + added)
    before_registry = target.get_graph(registry)
    second = publish(paths, target)
    assert second.ok
    assert sorted(second.sent) == sorted([doc, new_doc.value])
    assert second.removed == [inferred]
    after_registry = target.get_graph(registry)
    assert after_registry == before_registry and b"edited by hand" in after_registry  # not resent
    found = project_graphs(clean)
    assert inferred not in found
    for iri in (doc, new_doc.value):
        assert_same(local_graph(paths, iri), rdf_graph(target.get_graph(iri)), iri)
        assert found[iri] == len(local_graph(paths, iri))  # replaced, not added to
    assert not [g for g in found if g.startswith(STAGING_PREFIX)]


def _changed_everywhere(quads: list[ox.Quad]) -> list[ox.Quad]:
    graphs = {q.graph_name for q in quads}
    marker = [ox.Quad(ox.NamedNode("urn:x:build"), ox.NamedNode("urn:x:version"), ox.Literal("2"), g) for g in graphs]
    return quads + marker


def test_an_interrupted_publish_leaves_each_graph_old_or_new(clean: StoreServer, tmp_path: Path) -> None:
    v1 = sample_quads()
    paths = write_build(tmp_path / "var", v1)
    old = {g: local_graph(paths, g) for g in local_graphs(open_store(paths.store))}
    # a first publish cut half-way: each graph is absent or complete
    first_size = sum(len(g.serialize(format="nt", encoding="utf-8")) for g in old.values())
    with cutting_proxy(clean.url, limit=first_size // 2 + 1000) as (url, proxy):
        with pytest.raises(StoreError):
            publish(paths, target_for(clean, url), batch_triples=1)
    found = project_graphs(clean)
    for iri, graph in old.items():
        assert found.get(iri, 0) in (0, len(graph)), f"{iri} is half-loaded"
    assert 0 in [found.get(iri, 0) for iri in old], "the cut came too late to test anything"
    assert publish(paths, target_for(clean)).ok
    write_build(paths.var, _changed_everywhere(v1))
    new = {g: local_graph(paths, g) for g in old}
    # cut the connection about half-way through the bytes this publish sends, one graph per swap
    size = sum(len(g.serialize(format="nt", encoding="utf-8")) for g in new.values())
    with cutting_proxy(clean.url, limit=size // 2 + 2000) as (url, proxy):
        with pytest.raises(StoreError):
            publish(paths, target_for(clean, url), batch_triples=1)
        assert proxy.cut
    target = target_for(clean)
    states = []
    for iri in old:
        found = rdf_graph(target.get_graph(iri))
        assert isomorphic(found, old[iri]) or isomorphic(found, new[iri]), f"{iri} is neither old nor new"
        states.append("new" if isomorphic(found, new[iri]) else "old")
    assert "old" in states, "the cut came too late to test anything"
    resumed = publish(paths, target)
    assert resumed.ok and "old" not in [
        "new" if isomorphic(rdf_graph(target.get_graph(i)), new[i]) else "old" for i in old
    ]
    assert not [g for g in project_graphs(clean) if g.startswith(STAGING_PREFIX)]
    assert not (state_path(paths, target).exists() and '"staging": [\n  "' in state_path(paths, target).read_text())


def test_a_count_that_differs_after_loading_is_exit_code_1(
    clean: StoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_build(tmp_path / "var", sample_quads())
    doc, _ = _with_doc(sample_quads())
    real_counts: Callable[..., dict[str, int]] = publish_module.remote_counts
    calls = []

    def counts_after_another_writer(target: RemoteStore, graphs: list[str]) -> dict[str, int]:
        calls.append(graphs)
        if len(calls) == 2:  # between the swap and the verification, someone else writes into one graph
            target.update(f"INSERT DATA {{ GRAPH <{doc}> {{ <urn:x:other> <urn:x:writer> 1 }} }}")
        return real_counts(target, graphs)

    monkeypatch.setattr(publish_module, "remote_counts", counts_after_another_writer)
    for key, value in credentials(clean).items():
        monkeypatch.setenv(key, value)
    result = CliRunner().invoke(
        main, ["publish", "--to", clean.url, "--store-kind", clean.kind, "--var", str(paths.var), "-q"]
    )
    assert result.exit_code == 1, result.output
    assert f"count mismatch: {doc}:" in result.output
    monkeypatch.setattr(publish_module, "remote_counts", real_counts)
    fixed = publish(paths, target_for(clean))  # the mismatched graph is sent again, and only it
    assert fixed.ok and fixed.sent == [doc]


def test_credentials_are_never_shown(virtuoso: StoreServer, tmp_path: Path) -> None:
    paths = write_build(tmp_path / "var", sample_quads())
    password = virtuoso.password or ""
    args = ["--to", virtuoso.url, "--store-kind", "virtuoso", "--var", str(paths.var)]
    ok = run_cli(args, credentials(virtuoso))
    assert ok.returncode == 0, ok.stderr
    wrong = run_cli([*args, "--all"], {USER_ENV: virtuoso.user or "", PASSWORD_ENV: password + "-wrong"})
    assert wrong.returncode == 2 and "401" in wrong.stderr and "refused the credentials" in wrong.stderr
    in_url = virtuoso.url.replace("http://", f"http://{virtuoso.user}:{password}@")
    by_url = run_cli(["--to", in_url, "--store-kind", "virtuoso", "--var", str(paths.var), "--all"])
    assert by_url.returncode == 0, by_url.stderr
    by_option = run_cli([*args, "--user", virtuoso.user or "", "--password", password, "--all"])
    assert by_option.returncode == 0, by_option.stderr
    closed = run_cli(
        ["--to", "http://127.0.0.1:9", "--store-kind", "virtuoso", "--var", str(paths.var)], credentials(virtuoso)
    )
    assert closed.returncode == 2 and "ConnectionError" in closed.stderr
    for done in (ok, wrong, by_url, by_option, closed):
        assert password not in done.stdout + done.stderr
    state = state_path(paths, target_for(virtuoso)).read_text(encoding="utf-8")
    assert password not in state and virtuoso.url in state
    assert password not in repr(target_for(virtuoso))


def test_bad_target_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["publish", "--to", "ftp://example.org/", "--var", str(tmp_path)])
    assert result.exit_code == 2 and "http://" in result.output


def test_no_build_is_exit_code_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["publish", "--to", "http://127.0.0.1:9", "--var", str(tmp_path)])
    assert result.exit_code == 2 and "autoalliance build" in result.output


def test_many_graphs_are_counted_in_one_pass(
    clean: StoreServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    paths = write_build(tmp_path / "var", sample_quads())
    monkeypatch.setattr(publish_module, "BATCH_GRAPHS", 2)  # 4 graphs: more than a VALUES batch
    report = publish(paths, target_for(clean))
    assert report.ok and len(report.sent) == 4
    expected = {g.iri: g.count for g in local_graphs(open_store(paths.store)).values()}
    assert publish_module.remote_counts(target_for(clean), [*expected, "urn:x:absent"]) == {
        **expected,
        "urn:x:absent": 0,
    }
