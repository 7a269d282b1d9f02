"""Stage 7: the downloadable dumps, streamed graph by graph from the store, byte-identical for the same input.

``autoalliance.ttl`` (Turtle, the triples of every graph), ``autoalliance.trig`` (TriG, named graphs kept),
``autoalliance.nt.gz`` (N-Triples, gzipped), ``autoalliance.jsonld`` (JSON-LD with a context of the project's
prefixes) and ``SHA256SUMS``.

Each file is written as it is read: named graphs in the order of their IRIs, the triples of each sorted. So no
more than one graph is ever in memory, and each graph's part of each file depends on that graph alone: it is
cached by the graph's digest (the SHA-256 of its sorted N-Quads, as ``build.json`` lists them), and a build
after a small change writes the parts of unchanged graphs from the cache. The triples of the document graphs
are disjoint from those of every other graph (each is about the document's own nodes), so the files hold each
triple once, grouped by graph; a node described in several graphs (a deal and its inferred types) has one block
per graph, which every parser merges. ``graph:inferred``, which every change touches a little, is written in
fixed buckets of its subjects, each cached by its own digest, so that only the buckets that changed are
rendered again. A document graph's parts are rendered when the document is read (in the pool of
:mod:`kg.units`), so the dumps of a clean build mostly concatenate cached parts.
The ``.nt.gz`` file is one gzip member per part (RFC 1952 allows a file
of several members; ``gzip -d``, ``zcat`` and Python read them as one stream).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import IO, Any

import pyoxigraph as ox

from .cache import Cache
from .iris import GRAPH_INFERRED, PREFIXES

DUMP_NAMES = ("autoalliance.ttl", "autoalliance.trig", "autoalliance.nt.gz", "autoalliance.jsonld")
MEDIA_TYPES = {
    "autoalliance.ttl": "text/turtle",
    "autoalliance.trig": "application/trig",
    "autoalliance.nt.gz": "application/n-triples",
    "autoalliance.jsonld": "application/ld+json",
}
# Prefixes written into the dumps: those whose IRIs are plain names after the namespace. Document and graph
# IRIs have slashes after theirs, which Turtle could only write escaped (doc:x\/evidence\/1-9).
DUMP_PREFIXES = {k: v for k, v in PREFIXES.items() if k not in ("doc", "graph")}
_LOCAL = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
# Graphs written in buckets of their subjects (a fixed hash of the subject's term picks the bucket), each bucket
# rendered and cached on its own: graph:inferred changes a little with every document, and a build after one
# change re-renders only the buckets whose triples changed. The buckets are written in their fixed order.
BUCKETED_GRAPHS = frozenset({str(GRAPH_INFERRED)})
BUCKETS = 128
# A graph's parts are kept in one cache entry (one file to read per graph): a header line with the length of
# each part, in the order of DUMP_NAMES, then the parts.
_PARTS = ".parts"


def _compact(iri: str) -> str:
    for prefix, namespace in DUMP_PREFIXES.items():
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace) :]):
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _compact_node(node: dict[str, Any]) -> dict[str, Any]:
    """One node object of expanded JSON-LD with its IRIs written as compact IRIs of the context."""
    out: dict[str, Any] = {}
    for key, values in node.items():
        if key == "@id":
            out[key] = _compact(values) if not values.startswith("_:") else values
        elif key == "@type":
            out[key] = [_compact(v) for v in values]
        else:
            out[_compact(key)] = [
                {
                    **v,
                    **({"@id": _compact(v["@id"])} if "@id" in v and not v["@id"].startswith("_:") else {}),
                    **({"@type": _compact(v["@type"])} if "@type" in v else {}),
                }
                for v in values
            ]
    return out


def _jsonld_nodes(triples: list[ox.Triple]) -> list[dict[str, Any]]:
    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD) or b"")
    nodes = expanded if isinstance(expanded, list) else expanded.get("@graph", [expanded])
    return sorted((_compact_node(n) for n in nodes), key=lambda n: n.get("@id", ""))


def jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD of ``triples`` (in their order) with a ``@context`` of the project's prefixes and compact IRIs."""
    doc = {"@context": dict(sorted(DUMP_PREFIXES.items())), "@graph": _jsonld_nodes(triples)}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _without_prefixes(data: bytes) -> bytes:
    """A Turtle or TriG text without its leading ``@prefix`` lines (the file has them once, at the top)."""
    lines = data.splitlines(keepends=True)
    i = 0
    while i < len(lines) and lines[i].startswith(b"@prefix "):
        i += 1
    return b"".join(lines[i:])


def graph_lines(store: ox.Store, graph: str) -> bytes:
    """The quads of the named graph ``graph`` of ``store`` as sorted N-Quads lines (the store writes the graph's
    N-Triples, each line gets the graph's name: several times faster than a Python object per quad)."""
    g = ox.NamedNode(graph)
    suffix = f" {g} .".encode()
    triples = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=g) or b""
    return b"".join(sorted(line[:-2] + suffix + b"\n" for line in triples.splitlines() if line))


def graph_digest(nquads: bytes) -> str:
    """The digest of a graph: SHA-256 of its sorted N-Quads lines, as hex."""
    return hashlib.sha256(nquads).hexdigest()


def render_parts(nquads: bytes) -> dict[str, bytes]:
    """The part of each dump that holds the graph whose sorted N-Quads are ``nquads``."""
    quads = list(ox.parse(nquads, format=ox.RdfFormat.N_QUADS))
    triples = [ox.Triple(q.subject, q.predicate, q.object) for q in quads]
    nodes = _jsonld_nodes(triples)
    return {
        "autoalliance.ttl": _without_prefixes(
            ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=DUMP_PREFIXES) or b""
        ),
        "autoalliance.trig": _without_prefixes(
            ox.serialize(quads, format=ox.RdfFormat.TRIG, prefixes=DUMP_PREFIXES) or b""
        ),
        "autoalliance.nt.gz": gzip.compress(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b"", 6, mtime=0),
        "autoalliance.jsonld": ",\n".join(
            json.dumps(n, ensure_ascii=False, indent=1, sort_keys=True) for n in nodes
        ).encode("utf-8"),
    }


class _Out:
    """One dump file being written, and its SHA-256."""

    def __init__(self, path: Path) -> None:
        self.file: IO[bytes] = open(path, "wb")  # noqa: SIM115 (closed in close())
        self.sha = hashlib.sha256()
        self.parts = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.sha.update(data)

    def close(self) -> str:
        self.file.close()
        return self.sha.hexdigest()


def _header() -> bytes:
    return "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in DUMP_PREFIXES.items()).encode("utf-8")


def graph_parts(cache: Cache | None, nquads: bytes, key: str | None = None) -> dict[str, bytes]:
    """The dump parts of the graph whose sorted N-Quads are ``nquads``: from ``cache`` (by the graph's digest,
    ``key`` when already known), else rendered and, with a ``cache``, kept there."""
    key = key or graph_digest(nquads)
    parts = _cached_parts(cache, key) if cache is not None else None
    if parts is None:
        parts = render_parts(nquads)
        if cache is not None:
            header = " ".join(str(len(parts[name])) for name in DUMP_NAMES).encode("ascii") + b"\n"
            cache.put_bytes(key, header + b"".join(parts[name] for name in DUMP_NAMES), _PARTS)
    return parts


def buckets(nquads: bytes, n: int = BUCKETS) -> list[bytes]:
    """Sorted N-Quads lines split into ``n`` buckets by their subject (CRC-32 of its term), each still sorted;
    empty buckets left out. The same lines always give the same buckets."""
    split: list[list[bytes]] = [[] for _ in range(n)]
    for line in nquads.splitlines(keepends=True):
        split[zlib.crc32(line[: line.index(b" ")]) % n].append(line)
    return [b"".join(lines) for lines in split if lines]


def write_dumps(
    store: ox.Store,
    target: Path,
    cache_root: Path | None = None,
    known: Mapping[str, tuple[str, Callable[[], bytes]]] | None = None,
) -> tuple[dict[str, str], dict[str, str]]:
    """Write every dump of ``store`` and ``SHA256SUMS`` into the new directory ``target``.

    ``known`` may give a graph's digest and a function reading its sorted N-Quads without the store (the build
    has those of the asserted graphs); with the parts of that digest cached, the graph is not read at all.
    ``cache_root`` keeps each graph's parts for later builds. Returns (dump name -> SHA-256, graph IRI -> graph
    digest).
    """
    target.mkdir(parents=True, exist_ok=True)
    cache = Cache(cache_root, "dumps") if cache_root is not None else None
    outs = {name: _Out(target / name) for name in DUMP_NAMES}
    outs["autoalliance.ttl"].write(_header())
    outs["autoalliance.trig"].write(_header())
    outs["autoalliance.jsonld"].write(
        b'{\n "@context": '
        + json.dumps(dict(sorted(DUMP_PREFIXES.items())), indent=2, sort_keys=True).replace("\n", "\n ").encode("utf-8")
        + b',\n "@graph": [\n'
    )
    digests: dict[str, str] = {}
    for graph in sorted(g.value for g in store.named_graphs() if isinstance(g, ox.NamedNode)):
        for parts in _parts_of(store, graph, cache, known, digests):
            for name, data in parts.items():
                out = outs[name]
                if name == "autoalliance.jsonld" and out.parts and data:
                    out.write(b",\n")
                out.write(data)
                out.parts += bool(data)
    outs["autoalliance.jsonld"].write(b"\n ]\n}\n")
    sums = {name: out.close() for name, out in outs.items()}
    (target / "SHA256SUMS").write_text("".join(f"{sums[n]}  {n}\n" for n in sorted(sums)), encoding="utf-8")
    return sums, digests


def _parts_of(
    store: ox.Store,
    graph: str,
    cache: Cache | None,
    known: Mapping[str, tuple[str, Callable[[], bytes]]] | None,
    digests: dict[str, str],
) -> Iterable[dict[str, bytes]]:
    """The dump parts of ``graph``, in order (one per bucket for :data:`BUCKETED_GRAPHS`); records its digest."""
    entry = known.get(graph) if known else None
    if entry is not None and cache is not None and graph not in BUCKETED_GRAPHS:
        key, read = entry
        parts = _cached_parts(cache, key)
        if parts is not None:
            digests[graph] = key
            yield parts
            return
    nquads = entry[1]() if entry is not None else graph_lines(store, graph)
    if not nquads:
        return
    digests[graph] = graph_digest(nquads)
    if graph in BUCKETED_GRAPHS:
        for bucket in buckets(nquads):
            yield graph_parts(cache, bucket)
    else:
        yield graph_parts(cache, nquads, digests[graph])


def _cached_parts(cache: Cache, key: str) -> dict[str, bytes] | None:
    data = cache.get_bytes(key, _PARTS)
    if data is None:
        return None
    parts = {}
    try:
        end = data.index(b"\n") + 1
        for name, length in zip(DUMP_NAMES, (int(n) for n in data[:end].split()), strict=True):
            parts[name] = data[end : end + length]
            end += length
    except ValueError:
        return None
    return parts if end == len(data) else None  # a damaged entry is rendered again


def dump_quads(path: Path) -> Iterable[ox.Quad]:
    """The quads of a TriG dump (for tools and tests that read a build back)."""
    with open(path, "rb") as f:
        yield from ox.parse(f, format=ox.RdfFormat.TRIG)
