"""The ontology files: where they are and how to read them, for the validation and reasoning stages."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from kg.errors import KGError

#: The files that make up the ontology graph (graph:ontology): classes, properties, SKOS schemes, domains.
ONTOLOGY_FILES: tuple[str, ...] = ("autoalliance.ttl", "domains.ttl")
SHAPES_FILE = "shapes.ttl"


def _parse(paths: list[Path]) -> Graph:
    graph = Graph()
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise KGError(f"{path}: cannot read: {exc}") from exc
    return graph


def load_ontology(ontology_dir: Path) -> Graph:
    """Return the ontology and the technology domains of ``ontology_dir`` as one graph.

    Raises ``KGError`` when a file is missing or is not valid Turtle.
    """
    return _parse([Path(ontology_dir) / name for name in ONTOLOGY_FILES])


def load_shapes(ontology_dir: Path) -> Graph:
    """Return the SHACL shapes graph of ``ontology_dir``. Raises ``KGError`` as ``load_ontology`` does."""
    return _parse([Path(ontology_dir) / SHAPES_FILE])
