"""Stage 7: the downloadable dumps, byte-identical for the same input, with their SHA-256 sums.

``autoalliance.ttl`` (Turtle, the union of all graphs), ``autoalliance.trig`` (TriG, named graphs kept),
``autoalliance.nt.gz`` (N-Triples of the union, sorted, gzipped), ``autoalliance.jsonld`` (JSON-LD of the union
with a context of the project's prefixes) and ``SHA256SUMS``.

The quads are sorted before they are written, so the same input gives the same bytes; pyoxigraph's serializers
write them (rdflib's took some forty times longer on large builds).
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph

from .atomic import staging_dir, swap_in
from .iris import PREFIXES

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


def union_graph(ds: Dataset) -> Graph:
    """Every triple of every named graph of ``ds``, in one rdflib graph with the project's prefixes bound."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _sorted_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    return sorted(set(quads), key=lambda q: (str(q.graph_name), str(q.subject), str(q.predicate), str(q.object)))


def _union_triples(quads: list[ox.Quad]) -> list[ox.Triple]:
    triples = {ox.Triple(q.subject, q.predicate, q.object) for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _compact(iri: str) -> str:
    for prefix, namespace in DUMP_PREFIXES.items():
        if iri.startswith(namespace) and _LOCAL.match(iri[len(namespace):]):
            return f"{prefix}:{iri[len(namespace):]}"
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
                {**v, **({"@id": _compact(v["@id"])} if "@id" in v and not v["@id"].startswith("_:") else {}),
                 **({"@type": _compact(v["@type"])} if "@type" in v else {})}
                for v in values
            ]
    return out


def jsonld(triples: list[ox.Triple]) -> bytes:
    """JSON-LD of ``triples`` (in their order) with a ``@context`` of the project's prefixes and compact IRIs."""
    expanded = json.loads(ox.serialize(triples, format=ox.RdfFormat.JSON_LD))
    nodes = expanded if isinstance(expanded, list) else expanded.get("@graph", [expanded])
    doc = {"@context": dict(sorted(DUMP_PREFIXES.items())),
           "@graph": sorted((_compact_node(n) for n in nodes), key=lambda n: n.get("@id", ""))}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def _gzip(data: bytes, name: str) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(filename=name, mode="wb", fileobj=buffer, mtime=0) as f:
        f.write(data)
    return buffer.getvalue()


def render_dumps(quads: Iterable[ox.Quad]) -> dict[str, bytes]:
    """The content of every dump of ``quads`` (named graphs kept in TriG, the union elsewhere)."""
    ordered = _sorted_quads(quads)
    triples = _union_triples(ordered)
    return {
        "autoalliance.ttl": ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=DUMP_PREFIXES),
        "autoalliance.trig": ox.serialize(ordered, format=ox.RdfFormat.TRIG, prefixes=DUMP_PREFIXES),
        "autoalliance.nt.gz": _gzip(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), "autoalliance.nt"),
        "autoalliance.jsonld": jsonld(triples),
    }


def stage_dumps(quads: Iterable[ox.Quad], target: Path) -> tuple[Path, dict[str, str]]:
    """Write every dump and ``SHA256SUMS`` into ``<target>.new``; returns it and name -> SHA-256.

    Nothing at ``target`` changes until :func:`kg.atomic.swap_in` puts the staged directory in place.
    """
    tmp = staging_dir(target)
    tmp.mkdir()
    sums = {}
    for name, data in render_dumps(quads).items():
        (tmp / name).write_bytes(data)
        sums[name] = hashlib.sha256(data).hexdigest()
    (tmp / "SHA256SUMS").write_text("".join(f"{sums[n]}  {n}\n" for n in sorted(sums)), encoding="utf-8")
    return tmp, sums


def write_dumps(quads: Iterable[ox.Quad], target: Path) -> dict[str, str]:
    """Write the dumps into ``target``, replacing it only once all are complete; returns name -> SHA-256."""
    staged, sums = stage_dumps(quads, target)
    swap_in(staged, target)
    return sums
