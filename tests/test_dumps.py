"""Dumps written from cached parts: graph:inferred in buckets of its subjects, re-rendered only where it changed."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyoxigraph as ox

from kg import iris
from kg.dumps import BUCKETS, buckets, graph_digest, graph_lines, write_dumps

INFERRED = ox.NamedNode(str(iris.GRAPH_INFERRED))
PARTNER = ox.NamedNode("https://w3id.org/autoalliance/ontology#partnerOf")


def firm(i: int) -> ox.NamedNode:
    return ox.NamedNode(f"https://w3id.org/autoalliance/id/firm/f{i}")


def partner_store(path: Path, pairs: list[tuple[int, int]]) -> ox.Store:
    store = ox.Store(str(path))
    store.extend(ox.Quad(firm(a), PARTNER, firm(b), INFERRED) for a, b in pairs)
    return store


def test_buckets_split_sorted_lines_by_subject_and_keep_them_sorted(tmp_path: Path) -> None:
    store = partner_store(tmp_path / "s", [(a, b) for a in range(300) for b in (a + 1, a + 2)])
    nquads = graph_lines(store, str(iris.GRAPH_INFERRED))
    split = buckets(nquads)
    assert 1 < len(split) <= BUCKETS
    assert sorted(b"".join(split).splitlines()) == nquads.splitlines()
    for bucket in split:
        lines = bucket.splitlines()
        assert lines == sorted(lines)
        assert len({line.split(b" ")[0] for line in lines}) * 2 == len(lines)  # a subject's lines stay together
    assert buckets(nquads) == split


def test_a_changed_triple_re_renders_one_bucket_and_the_files_stay_valid(tmp_path: Path) -> None:
    pairs = [(a, a + 1) for a in range(400)]
    cache = tmp_path / "cache"
    store = partner_store(tmp_path / "s1", pairs)
    write_dumps(store, tmp_path / "d1", cache)
    rendered = set((cache / "dumps").rglob("*.parts"))
    assert len(rendered) == len(buckets(graph_lines(store, str(iris.GRAPH_INFERRED))))

    changed = partner_store(tmp_path / "s2", [*pairs[1:], (0, 999)])
    _, digests = write_dumps(changed, tmp_path / "d2", cache)
    assert len(set((cache / "dumps").rglob("*.parts")) - rendered) == 1
    # the graph's digest stays the digest of its sorted N-Quads, whatever the buckets
    assert digests[str(iris.GRAPH_INFERRED)] == graph_digest(graph_lines(changed, str(iris.GRAPH_INFERRED)))

    expected = {(a, b) for a, b in [*pairs[1:], (0, 999)]}
    d2 = tmp_path / "d2"
    for name, fmt in (
        ("autoalliance.ttl", ox.RdfFormat.TURTLE),
        ("autoalliance.trig", ox.RdfFormat.TRIG),
        ("autoalliance.jsonld", ox.RdfFormat.JSON_LD),
    ):
        triples = {(str(q.subject), str(q.object)) for q in ox.parse((d2 / name).read_bytes(), format=fmt)}
        assert triples == {(str(firm(a)), str(firm(b))) for a, b in expected}, name
    nt = gzip.decompress((d2 / "autoalliance.nt.gz").read_bytes())
    assert len(list(ox.parse(nt, format=ox.RdfFormat.N_TRIPLES))) == len(expected)
    json.loads((d2 / "autoalliance.jsonld").read_bytes())

    # the same store written without a cache gives the same bytes
    write_dumps(changed, tmp_path / "d3")
    for name in ("autoalliance.ttl", "autoalliance.trig", "autoalliance.nt.gz", "autoalliance.jsonld"):
        assert (tmp_path / "d3" / name).read_bytes() == (d2 / name).read_bytes(), name


def test_a_damaged_cache_entry_is_rendered_again(tmp_path: Path) -> None:
    store = partner_store(tmp_path / "s", [(1, 2), (2, 3)])
    cache = tmp_path / "cache"
    write_dumps(store, tmp_path / "d1", cache)
    for entry in (cache / "dumps").rglob("*.parts"):
        entry.write_bytes(entry.read_bytes()[:-3])
    write_dumps(store, tmp_path / "d2", cache)
    for name in ("autoalliance.ttl", "autoalliance.trig", "autoalliance.nt.gz", "autoalliance.jsonld"):
        assert (tmp_path / "d1" / name).read_bytes() == (tmp_path / "d2" / name).read_bytes(), name


def test_graph_lines_are_the_sorted_n_quads_of_the_graph(tmp_path: Path) -> None:
    graph = ox.NamedNode("https://w3id.org/autoalliance/graph/doc/x")
    store = ox.Store(str(tmp_path / "s"))
    subject = ox.NamedNode("https://w3id.org/autoalliance/id/firm/a")
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    store.extend(
        ox.Quad(subject, label, o, graph)
        for o in (
            ox.Literal('say "hi"\nthen\\go\r\t'),
            ox.Literal("Größe ✓", language="de"),
            ox.Literal("2020", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear")),
            ox.BlankNode("b0"),
            ox.NamedNode("https://w3id.org/autoalliance/id/firm/b"),
        )
    )
    store.add(ox.Quad(subject, label, ox.Literal("elsewhere"), INFERRED))
    expected = "".join(sorted(f"{q} .\n" for q in store.quads_for_pattern(None, None, None, graph))).encode("utf-8")
    assert graph_lines(store, graph.value) == expected
