"""The data the drafting assistant works from: its rule files (``kg/lexicon/*.yaml``), the registry, the domains.

Nothing here decides anything: it loads what an analyst can edit, compiles the patterns, and builds the table
of names (every label and alternative name of every registry entry, and every SKOS label of every domain).
"""

from __future__ import annotations

import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SKOS
from ruamel.yaml import YAML

from . import iris
from .errors import KGError

LEXICON = Path(__file__).parent / "lexicon"
FILES = ("deals", "attribution", "dates", "values", "names", "domains")
REGISTRY_LISTS = ("firms", "brands", "authorities", "people", "products")


def _yaml(path: Path) -> Any:
    try:
        return YAML(typ="safe", pure=True).load(path.read_text(encoding="utf-8"))
    except Exception as exc:  # ruamel raises many error types; the user needs the file and the reason
        raise KGError(f"{path}: cannot read: {exc}") from exc


def compile_patterns(patterns: list[str], flags: int = re.IGNORECASE) -> re.Pattern[str]:
    """One regular expression matching any of ``patterns`` (raises ``KGError`` on a bad pattern)."""
    try:
        return re.compile("|".join(f"(?:{p})" for p in patterns), flags)
    except re.error as exc:
        raise KGError(f"bad pattern in the lexicon ({exc}): {patterns}") from exc


def load_rules(seeds: Path | None = None) -> dict[str, Any]:
    """The rule files merged: ``<seeds>/lexicon/<name>.yaml`` entries first, then ``kg/lexicon/<name>.yaml``.

    Lists are concatenated (the seeds' first), mappings updated key by key (the seeds' win).
    """
    rules: dict[str, Any] = {}
    for name in FILES:
        merged: dict[str, Any] = dict(_yaml(LEXICON / f"{name}.yaml") or {})
        local = seeds / "lexicon" / f"{name}.yaml" if seeds else None
        if local is not None and local.exists():
            for key, value in (_yaml(local) or {}).items():
                if isinstance(value, list) and isinstance(merged.get(key), list):
                    merged[key] = [*value, *merged[key]]
                elif isinstance(value, dict) and isinstance(merged.get(key), dict):
                    merged[key] = {**merged[key], **value}
                else:
                    merged[key] = value
        rules[name] = merged
    return rules


@dataclass
class Entry:
    """A registry entry: its list (``firms``, ``people``...), id, label, every name, and its other fields."""

    kind: str
    id: str
    label: str
    names: list[str]
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class Registry:
    """The registry entries of a seeds directory, by id, and where each id is defined."""

    entries: dict[str, Entry]
    deal_ids: set[str]
    alliance_ids: set[str]
    deals: dict[str, tuple[str, frozenset[str]]] = field(default_factory=dict)  # id -> (kind, its firms)

    def of_kind(self, kind: str) -> list[Entry]:
        return [e for e in self.entries.values() if e.kind == kind]


def _names(kind: str, item: dict[str, Any], makers: dict[str, str]) -> list[str]:
    alt = item.get("alt") or []
    names = [str(item["label"]), *(str(a) for a in (alt if isinstance(alt, list) else [alt]))]
    if item.get("legal_name"):
        names.append(str(item["legal_name"]))
    label = re.sub(r"\s*\([^)]*\)\s*$", "", str(item["label"]))  # "MINI Rocketman (concept car)"
    names.append(label)
    if kind == "people":  # "Reithofer" for Norbert Reithofer
        names.append(label.split()[-1])
    if kind == "products":  # "Z4" for "BMW Z4": the maker's name is often left out
        for maker_name in makers.get(str(item.get("maker")), "").split("|"):
            if maker_name and label.startswith(maker_name + " "):
                names.append(label[len(maker_name) + 1 :])
        first, _, rest = label.partition(" ")
        if rest and first.isupper():
            names.append(rest)
    return sorted({n for n in names if n}, key=len, reverse=True)


def _deal_firms(deal: dict[str, Any]) -> frozenset[str]:
    firms = {str(f) for f in deal.get("parties") or []}
    for value in (deal.get("roles") or {}).values():
        firms |= {str(f) for f in (value if isinstance(value, list) else [value])}
    return frozenset(firms)


def read_registry(seeds: Path, skip: AbstractSet[str] = frozenset()) -> Registry:
    """Every registry entry of ``<seeds>/registry/*.yaml`` and every deal and alliance id of the annotations.

    Files named after a document of ``skip`` are left out (the draft being redone). Read leniently (the draft
    must work beside a corpus that does not validate yet); raises ``KGError`` only when a file is not YAML.
    """
    items: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((seeds / "registry").glob("*.yaml")):
        if path.stem in skip:
            continue
        data = _yaml(path) or {}
        for kind in REGISTRY_LISTS:
            for item in data.get(kind) or []:
                if isinstance(item, dict) and item.get("id") and item.get("label"):
                    items.append((kind, item))
    makers: dict[str, str] = {}
    for kind, item in items:
        if kind == "firms":
            alt = item.get("alt") or []
            makers[str(item["id"])] = "|".join([str(item["label"]), *map(str, alt if isinstance(alt, list) else [alt])])
    entries = {
        str(item["id"]): Entry(kind, str(item["id"]), str(item["label"]), _names(kind, item, makers), item)
        for kind, item in items
    }
    deals: dict[str, tuple[str, frozenset[str]]] = {}
    alliance_ids: set[str] = set()
    for path in sorted((seeds / "annotations").glob("*.yaml")):
        if path.stem in skip:
            continue
        try:
            data = _yaml(path) or {}
        except KGError:
            continue
        for deal in data.get("deals") or []:
            if isinstance(deal, dict) and deal.get("id"):
                deals[str(deal["id"])] = (str(deal.get("kind")), _deal_firms(deal))
        alliance_ids |= {str(a["id"]) for a in data.get("alliances") or [] if isinstance(a, dict) and a.get("id")}
    return Registry(entries, set(deals), alliance_ids, deals)


def domain_names(ontology: Path, rules: dict[str, Any]) -> dict[str, str]:
    """Every wording of every technology domain (SKOS labels and the lexicon's synonyms) -> its slug."""
    graph = Graph()
    graph.parse(ontology / "domains.ttl", format="turtle")
    prefix = str(iris.DOMAIN)
    names: dict[str, str] = {}
    for predicate in (SKOS.altLabel, SKOS.prefLabel):  # prefLabels win over altLabels
        for concept, label in graph.subject_objects(predicate):
            if str(concept).startswith(prefix):
                names[str(label).lower()] = str(concept)[len(prefix) :]
    for slug, phrases in (rules["domains"].get("synonyms") or {}).items():
        for phrase in phrases:
            names.setdefault(str(phrase).lower(), str(slug))
    return names
