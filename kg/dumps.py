"""Stage 7: the downloadable dumps, byte-identical for the same input, with their SHA-256 sums.

``autoalliance.ttl`` (Turtle, the union of all graphs), ``autoalliance.trig`` (TriG, named graphs kept),
``autoalliance.nt.gz`` (N-Triples of the union, sorted, gzipped), ``autoalliance.jsonld`` (JSON-LD of the union
with a context of the project's prefixes) and ``SHA256SUMS``.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from .atomic import staging_dir, swap_in
from .iris import PREFIXES

DUMP_NAMES = ("autoalliance.ttl", "autoalliance.trig", "autoalliance.nt.gz", "autoalliance.jsonld")
MEDIA_TYPES = {
    "autoalliance.ttl": "text/turtle",
    "autoalliance.trig": "application/trig",
    "autoalliance.nt.gz": "application/n-triples",
    "autoalliance.jsonld": "application/ld+json",
}


def union_graph(ds: Dataset) -> Graph:
    """Every triple of every named graph of ``ds``, in one graph with the project's prefixes bound."""
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def _sorted_graph(triples: Graph) -> Graph:
    g = Graph()
    for prefix, ns in PREFIXES.items():
        g.bind(prefix, ns, replace=True)
    for triple in sorted(triples):
        g.add(triple)
    return g


def _turtle(g: Graph) -> bytes:
    return _sorted_graph(g).serialize(format="turtle", encoding="utf-8")


def _trig(ds: Dataset) -> bytes:
    out = Dataset()
    for prefix, ns in PREFIXES.items():
        out.bind(prefix, ns, replace=True)
    names = sorted({c.identifier for c in ds.contexts() if isinstance(c.identifier, URIRef) and len(c)})
    for name in names:
        target = out.graph(name)
        for triple in sorted(ds.graph(name)):
            target.add(triple)
    return out.serialize(format="trig", encoding="utf-8")


def _ntriples_gz(g: Graph) -> bytes:
    lines = sorted(set(g.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()))
    raw = ("\n".join(line for line in lines if line.strip()) + "\n").encode("utf-8")
    buffer = io.BytesIO()
    with gzip.GzipFile(filename="autoalliance.nt", mode="wb", fileobj=buffer, mtime=0) as f:
        f.write(raw)
    return buffer.getvalue()


def _jsonld(g: Graph) -> bytes:
    context = dict(sorted(PREFIXES.items()))
    data = json.loads(_sorted_graph(g).serialize(format="json-ld", context=context, auto_compact=True))
    nodes = data.get("@graph", [])
    nodes.sort(key=lambda node: node.get("@id", ""))
    doc = {"@context": context, "@graph": nodes}
    return (json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n").encode("utf-8")


def stage_dumps(ds: Dataset, target: Path) -> tuple[Path, dict[str, str]]:
    """Write every dump of ``ds`` and ``SHA256SUMS`` into ``<target>.new``; returns it and name -> SHA-256.

    Nothing at ``target`` changes until :func:`kg.atomic.swap_in` puts the staged directory in place.
    """
    union = union_graph(ds)
    contents = {
        "autoalliance.ttl": _turtle(union),
        "autoalliance.trig": _trig(ds),
        "autoalliance.nt.gz": _ntriples_gz(union),
        "autoalliance.jsonld": _jsonld(union),
    }
    tmp = staging_dir(target)
    tmp.mkdir()
    sums = {}
    for name, data in contents.items():
        (tmp / name).write_bytes(data)
        sums[name] = hashlib.sha256(data).hexdigest()
    (tmp / "SHA256SUMS").write_text("".join(f"{sums[n]}  {n}\n" for n in sorted(sums)), encoding="utf-8")
    return tmp, sums


def write_dumps(ds: Dataset, target: Path) -> dict[str, str]:
    """Write the dumps into ``target``, replacing it only once all are complete; returns name -> SHA-256."""
    staged, sums = stage_dumps(ds, target)
    swap_in(staged, target)
    return sums
