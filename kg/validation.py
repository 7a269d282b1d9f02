"""Validation stage: check the mapped dataset against ``ontology/shapes.ttl`` with pySHACL.

Non-conformance is a value, not an exception: ``validate_dataset`` returns a ``ValidationReport`` whose
``lines()`` give one readable line per finding. Only a broken run (unreadable shapes, a pySHACL crash) raises.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from unittest import mock

import pyshacl.shape
from pyshacl import ShapesGraph, validate
from pyshacl.constraints import ALL_CONSTRAINT_PARAMETERS, CONSTRAINT_PARAMETERS_MAP
from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint
from pyshacl.graph_abstraction import DataGraph
from pyshacl.validator import Validator
from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import RDF, RDFS, SH, SKOS, NamespaceManager
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query
from rdflib.term import Identifier, Node

from kg.errors import KGError, ValidationFailed
from kg.iris import PREFIXES
from kg.ontology import load_ontology, load_shapes

__all__ = [
    "Finding",
    "ValidationReport",
    "ValidationFailed",
    "ShapesCouldNotRun",
    "Shapes",
    "validate_dataset",
    "short_name",
    "sparql_constraints_parsed_once",
]


class ShapesCouldNotRun(ValidationFailed):
    """The shapes could not be run at all (a missing or broken shapes file, a pySHACL crash): not a finding."""


_BY_LENGTH = sorted(PREFIXES.items(), key=lambda item: len(item[1]), reverse=True)
# A complex path longer than this is shown by its shape's sh:name (a list of nine role properties reads badly).
_LONGEST_PATH = 40
_SEVERITIES = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}


@dataclass(frozen=True, order=True)
class Finding:
    """One SHACL result, in the words a reader of the build report needs.

    ``focus`` is the full IRI of the node at fault, ``label`` its rdfs:label or skos:prefLabel (or None),
    ``path`` the property as a prefixed name (or the shape's sh:name for a complex path; None for a node-level
    constraint), ``value`` the offending value in Turtle-like notation (or None).
    """

    focus: str
    path: str | None
    message: str
    value: str | None = None
    label: str | None = None
    severity: str = "Violation"

    def line(self) -> str:
        """Return ``focus ("label"): path: message (value: v)``, leaving out what is unknown."""
        head = short_name(URIRef(self.focus)) if self.focus.startswith(("http:", "https:")) else self.focus
        if self.label:
            head += f' ("{self.label}")'
        parts = [head]
        if self.path:
            parts.append(self.path)
        text = self.message if self.severity == "Violation" else f"{self.severity.lower()}: {self.message}"
        if self.value is not None and self.value != head:
            text += f" (value: {self.value})"
        parts.append(text)
        return ": ".join(parts)


@dataclass
class ValidationReport:
    """What pySHACL found: ``conforms`` is True when no result is a Violation.

    ``results`` are sorted by focus node, path and message, so the same data gives the same report.
    ``graph`` is pySHACL's own report graph (sh:ValidationReport), for tools that want it.
    """

    conforms: bool
    results: list[Finding] = field(default_factory=list)
    graph: Graph = field(default_factory=Graph, repr=False)

    def lines(self) -> list[str]:
        """Return one readable line per finding, in report order."""
        return [finding.line() for finding in self.results]

    @property
    def violations(self) -> list[Finding]:
        """Return the findings of severity Violation only."""
        return [f for f in self.results if f.severity == "Violation"]


def short_name(iri: Node) -> str:
    """Return ``iri`` as ``prefix:local`` using ``kg.iris.PREFIXES``, or ``<iri>`` when no prefix fits.

    The local part may contain ``/`` (``doc:x/evidence/1-9``): this is for people, not for Turtle.
    """
    text = str(iri)
    for prefix, namespace in _BY_LENGTH:
        rest = text[len(namespace) :]
        if text.startswith(namespace) and rest and not any(c in rest for c in ' <>"{}|^`\\'):
            return f"{prefix}:{rest}"
    return f"<{text}>"


def _namespace_manager() -> NamespaceManager:
    manager = NamespaceManager(Graph(), bind_namespaces="none")
    for prefix, namespace in PREFIXES.items():
        manager.bind(prefix, namespace, override=True)
    return manager


_NSM = _namespace_manager()


def _term(node: Node) -> str:
    if isinstance(node, URIRef):
        return short_name(node)
    if isinstance(node, Literal):
        return node.n3(_NSM)
    return "[]"


def _path(shapes: Graph, path: Node) -> str:
    """Render a SHACL property path in SPARQL property-path syntax."""
    if isinstance(path, URIRef):
        return short_name(path)
    if (path, RDF.first, None) in shapes:
        return "/".join(_path(shapes, p) for p in Collection(shapes, path))
    for predicate, template in (
        (SH.alternativePath, "({})"),
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "{}*"),
        (SH.oneOrMorePath, "{}+"),
        (SH.zeroOrOnePath, "{}?"),
    ):
        inner = shapes.value(path, predicate)
        if inner is not None:
            if predicate == SH.alternativePath:
                return template.format("|".join(_path(shapes, p) for p in Collection(shapes, inner)))
            return template.format(_path(shapes, inner))
    return "[]"


def _label(data: Graph, node: Node) -> str | None:
    labels = [
        lab
        for lab in (*data.objects(node, RDFS.label), *data.objects(node, SKOS.prefLabel))
        if isinstance(lab, Identifier)
    ]  # every term is; this makes them comparable
    if not labels:
        return None
    english = [lab for lab in labels if isinstance(lab, Literal) and lab.language in (None, "en")]
    return str(sorted(english or labels)[0])


def _findings(report: Graph, shapes: Graph, data: Graph) -> Iterator[Finding]:
    for result in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(result, SH.focusNode)
        path_node = report.value(result, SH.resultPath)
        source = report.value(result, SH.sourceShape)
        path: str | None = None
        if path_node is not None:
            path = _path(report, path_node)
            name = shapes.value(source, SH.name) if source is not None else None
            if len(path) > _LONGEST_PATH and name is not None:
                path = str(name)
        messages = sorted(str(m) for m in report.objects(result, SH.resultMessage))
        value = report.value(result, SH.value)
        severity = report.value(result, SH.resultSeverity)
        yield Finding(
            focus=str(focus) if isinstance(focus, URIRef) else _term(focus) if focus is not None else "[]",
            label=_label(data, focus) if focus is not None else None,
            path=path,
            value=_term(value) if value is not None else None,
            message="; ".join(messages) or "does not conform",
            severity=_SEVERITIES.get(severity, "Violation") if isinstance(severity, URIRef) else "Violation",
        )


def _as_graph(data: Graph) -> Graph:
    """Copy ``data`` into a fresh graph; a Dataset is read as the union of its graphs."""
    union = Graph()
    if isinstance(data, ConjunctiveGraph):
        for s, p, o, _ in data.quads((None, None, None, None)):
            union.add((s, p, o))
    else:
        for triple in data:
            union.add(triple)
    return union


def validate_dataset(data: Graph, ontology_dir: Path, in_place: bool = False) -> ValidationReport:
    """Validate ``data`` (a Graph, or a Dataset read as its union) against the shapes of ``ontology_dir``.

    The ontology and the technology domains are mixed into a copy of the data first, so that targets and
    ``sh:class`` follow ``rdfs:subClassOf`` and domains resolve; no other inference is made. ``data`` is not
    changed, unless ``in_place`` is true: then the ontology is added to ``data`` itself (a plain Graph), which
    spares a copy of a large graph the caller owns. Returns a ``ValidationReport``; raises
    ``ValidationFailed`` only when the run itself breaks.
    """
    try:
        shapes = load_shapes(ontology_dir)
        working = data if in_place and not isinstance(data, ConjunctiveGraph) else _as_graph(data)
        working += load_ontology(ontology_dir)
    except KGError as exc:
        raise ShapesCouldNotRun(f"cannot load the shapes or the ontology: {exc}") from exc
    try:
        conforms, report, _text = validate(
            working,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            inplace=True,
        )
    except Exception as exc:  # pySHACL reports a broken run with many exception types
        raise ShapesCouldNotRun(f"SHACL validation could not run: {exc}") from exc
    results = sorted(_findings(report, shapes, working), key=lambda f: (f.focus, f.path or "", f.message))
    return ValidationReport(conforms=bool(conforms), results=results, graph=report)


@lru_cache(maxsize=64)
def _prepared(text: str) -> Query:
    return prepareQuery(text)


@contextmanager
def sparql_constraints_parsed_once() -> Iterator[None]:
    """pySHACL parses a SPARQL constraint's query again for every focus node (the text is the same, ``$this``
    is bound separately); parsing is most of a small graph's validation time. Within this block each text is
    parsed once (rdflib's prepared queries are meant to be reused)."""
    original = SPARQLBasedConstraint._validate_sparql_query

    def validate(self, query: str, init_binds: dict, target_graph: Graph) -> list:  # noqa: ANN001
        return original(self, _prepared(query), init_binds, target_graph)

    with mock.patch.object(SPARQLBasedConstraint, "_validate_sparql_query", validate):
        yield


class _Parameters(list[Any]):
    """pySHACL's list of constraint parameters, with membership in constant time.

    For every evaluation of every shape on every focus node, pySHACL asks, for each of the shape's
    predicates, whether it is in this list of some eighty IRIs: a linear scan of ``URIRef.__eq__`` calls that
    took a tenth of the validation time of the documents. It caches the list in ``pyshacl.shape.module``
    (``CONSTRAINT_PARAMS``), copies it and appends to it; this list keeps a set beside it for ``in``.
    """

    def __init__(self, items: Iterable[Any] = ()) -> None:
        super().__init__(items)
        self._members = set(self)

    def __contains__(self, item: object) -> bool:
        return item in self._members

    def append(self, item: Any) -> None:
        super().append(item)
        self._members.add(item)

    def copy(self) -> _Parameters:
        return _Parameters(self)


pyshacl.shape.module.CONSTRAINT_PARAMS = (  # type: ignore[attr-defined]  # set lazily by pySHACL itself
    _Parameters(ALL_CONSTRAINT_PARAMETERS),
    CONSTRAINT_PARAMETERS_MAP,
)


class _LookupsKept(Graph):
    """A graph that keeps the answer of each triple pattern it was asked, until it is changed.

    pySHACL asks the shapes graph the same questions (a shape's parameters, paths, messages) again for every
    focus node it evaluates; the shapes do not change between documents, so each answer is computed once.
    """

    def __init__(self, source: Graph) -> None:
        super().__init__()
        self.addN((s, p, o, self) for s, p, o in source)
        for prefix, namespace in source.namespaces():
            self.bind(prefix, namespace, override=True)
        self._kept: dict[Any, tuple[Any, ...]] = {}

    def triples(self, triple: Any) -> Any:  # noqa: ANN401 (rdflib's own signature is overloaded)
        kept = self.__dict__.get("_kept")
        try:
            found = kept.get(triple) if kept is not None else None
        except TypeError:  # a pattern with an unhashable path
            return super().triples(triple)
        if found is None:
            found = tuple(super().triples(triple))
            if kept is not None:
                kept[triple] = found
        return iter(found)

    def _changed(self) -> None:
        if "_kept" in self.__dict__:
            self._kept.clear()

    def add(self, triple: Any) -> Any:  # noqa: ANN401
        self._changed()
        return super().add(triple)

    def addN(self, quads: Any) -> Any:  # noqa: ANN401, N802 (rdflib's name)
        self._changed()
        return super().addN(quads)

    def remove(self, triple: Any) -> Any:  # noqa: ANN401
        self._changed()
        return super().remove(triple)


class Shapes:
    """The shapes of ``ontology_dir``, read and prepared once, to validate many small graphs one after another.

    Raises :class:`ShapesCouldNotRun` when the shapes file is missing or is not valid Turtle.
    """

    def __init__(self, ontology_dir: Path) -> None:
        try:
            self.graph: Graph = _LookupsKept(load_shapes(ontology_dir))
        except KGError as exc:
            raise ShapesCouldNotRun(f"cannot load the shapes: {exc}") from exc
        self._prepared: ShapesGraph | None = None  # pySHACL's ShapesGraph, whose shapes it gathers on first use

    def validate(self, data: Graph, focus: list[URIRef] | None = None) -> ValidationReport:
        """Validate ``data`` (changed in place: it is the caller's working copy), only at ``focus`` if given.

        Returns a ``ValidationReport``; raises :class:`ShapesCouldNotRun` when the run itself breaks.
        """
        options = {
            "inference": "none",
            "advanced": True,
            "allow_warnings": True,
            "inplace": True,
            "focus_nodes": [str(f) for f in focus] if focus else None,
            "logger": _LOG,
        }
        try:
            validator = Validator(DataGraph.from_rdflib(data), shacl_graph=self.graph, options=options)
            if self._prepared is None:
                self._prepared = validator.shacl_graph
            else:
                validator.shacl_graph = self._prepared
            with sparql_constraints_parsed_once():
                conforms, report, _text = validator.run()
        except Exception as exc:  # pySHACL reports a broken run with many exception types
            raise ShapesCouldNotRun(f"SHACL validation could not run: {exc}") from exc
        results = sorted(_findings(report, self.graph, data), key=lambda f: (f.focus, f.path or "", f.message))
        return ValidationReport(conforms=bool(conforms), results=results, graph=report)


_LOG = logging.getLogger("pyshacl")
