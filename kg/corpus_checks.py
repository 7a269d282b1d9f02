"""Checks across documents, on the small summaries the units return: never on the graphs themselves.

Ids unique in the corpus, ``ref``/``expands``/``part_of``/``concerns``/``alliance`` resolving to items that
some document defines, the registry's own ids and references. Also the types of the items a document cites
from others, which its SHACL check needs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib.namespace import RDF

from .annotation_checks import _check_links, _check_shared_values
from .annotations import MAX_REGISTRY_BYTES, _read_registry  # one registry file at a time
from .errors import AnnotationError
from .records import KIND_NAMES, Entity, Loc, Value
from .units import ITEM_IRIS
from .yamlread import Reader


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def read_registry(
    registry_dir: Path, display_root: Path, domains: set[str]
) -> tuple[list[Entity], list[AnnotationError]]:
    """The registry's entities and every problem in its files: syntax, duplicate ids, unknown references."""
    entities: list[Entity] = []
    readers: list[Reader] = []
    for path in sorted(registry_dir.glob("*.yaml")):
        reader = Reader(path, _display(path, display_root), MAX_REGISTRY_BYTES)
        entities.extend(_read_registry(reader))
        readers.append(reader)
    errors = [e for reader in readers for e in reader.problems()]
    seen: dict[str, Any] = {}
    known: dict[str, set[str]] = {}
    for entity in entities:
        if entity.id in seen:
            errors.append(
                AnnotationError(
                    entity.loc.path,
                    entity.loc.line,
                    entity.loc.col,
                    f"id '{entity.id}' is already used at {':'.join(map(str, seen[entity.id]))}",
                )
            )
        seen.setdefault(entity.id, entity.loc)
        known.setdefault(entity.kind, set()).add(entity.id)
    for reader in readers:
        for ref in reader.references:
            exists = ref.slug in domains if ref.kind == "domains" else ref.slug in known.get(ref.kind, set())
            if not exists:
                where = "ontology/domains.ttl" if ref.kind == "domains" else "the registry or annotations"
                errors.append(
                    AnnotationError(
                        ref.loc.path,
                        ref.loc.line,
                        ref.loc.col,
                        f"unknown {KIND_NAMES[ref.kind]} '{ref.slug}' (not in {where})",
                    )
                )
    return entities, errors


def check_corpus(summaries: Iterable[dict[str, Any]]) -> tuple[list[AnnotationError], dict[str, dict[str, str]]]:
    """Unique item ids and resolvable citations across ``summaries`` (in document order).

    Returns the problems and, per kind, each defined item's id -> its class IRI. The first definition of an
    id (in document order) is the one kept; later ones are reported.
    """
    summaries = list(summaries)
    errors: list[AnnotationError] = []
    defined: dict[str, dict[str, str]] = {kind: {} for kind in ITEM_IRIS}
    where: dict[tuple[str, str], str] = {}
    for summary in summaries:
        for kind, item_id, path, line, col, cls in summary["defines"]:
            if item_id in defined[kind]:
                errors.append(
                    AnnotationError(
                        path,
                        line,
                        col,
                        f"{kind[:-1]} '{item_id}' is already defined at {where[kind, item_id]}; use 'ref' to cite it",
                    )
                )
                continue
            defined[kind][item_id] = cls
            where[kind, item_id] = f"{path}:{line}:{col}"
    for summary in summaries:
        for kind, item_id, path, line, col in summary["cites"]:
            if item_id not in defined[kind]:
                errors.append(
                    AnnotationError(
                        path, line, col, f"unknown {KIND_NAMES[kind]} '{item_id}' (not in the registry or annotations)"
                    )
                )
    deals = [
        _LinkedDeal(deal_id, Loc(path, line, col), links, Value(**shared) if shared else None)
        for summary in summaries
        for deal_id, path, line, col, links, shared in summary.get("links", [])
    ]
    errors += _check_links(deals)  # type: ignore[arg-type]
    errors += _check_shared_values(deals)  # type: ignore[arg-type]
    return errors, defined


@dataclass
class _LinkedDeal:
    """What the checks of links between deals and of shared amounts read of a deal."""

    id: str
    loc: Loc
    _links: dict[str, list[str]]
    value: Value | None

    def links(self) -> dict[str, list[str]]:
        return self._links


def cited_types(summary: dict[str, Any], defined: dict[str, dict[str, str]]) -> list[str]:
    """N-Triples lines typing what the document of ``summary`` uses but does not describe, sorted."""
    lines = set(summary["stubs"])
    for kind, item_id, *_ in summary["cites"]:
        cls = defined[kind].get(item_id)
        if cls is not None:
            lines.add(f"<{ITEM_IRIS[kind](item_id)}> <{RDF.type}> <{cls}> .\n")
    return sorted(lines)
