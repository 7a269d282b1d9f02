"""``/ontology``: the namespace IRI of the ``aa:`` vocabulary, as HTML documentation and as RDF.

``/ontology`` serves the served build's copy of ``autoalliance.ttl`` (``builds/<id>/ontology/``, a build output);
``/ontology/<name>`` the other files there (``domains``, ``shapes``), which the ontology names with
``rdfs:seeAlso``. Turtle is the file itself;
the other formats are converted from it. (pyLODE 3.4.1 cannot be imported from an installed wheel, so the
documentation page is this module's own.)
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import rdflib
from flask import Blueprint, Flask, Response, current_app, render_template
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from kg.iris import AA, ONTOLOGY_IRI, PREFIXES

from .documents import document_response
from .errors import error_response
from .rdf_formats import BY_MEDIA_TYPE, BY_SUFFIX, HTML, serialize
from .store import paths

bp = Blueprint("ontology", __name__)
NAME = re.compile(r"^[a-z][a-z0-9-]*$")
MAIN = "autoalliance"
DCTERMS = rdflib.Namespace("http://purl.org/dc/terms/")


@dataclass(frozen=True)
class Term:
    """One documented term: its anchor, label, IRI, comment, and related terms as (label, href) lists."""

    anchor: str
    label: str
    iri: str
    comment: str
    relations: list[tuple[str, list[tuple[str, str]]]]


def ontology_file(name: str) -> Path | None:
    """The Turtle file of ``/ontology`` (``name`` empty) or ``/ontology/<name>``, when it exists."""
    if name and not NAME.match(name):
        return None
    directory = paths(current_app).published_ontology.resolve()
    path = (directory / f"{name or MAIN}.ttl").resolve()
    return path if path.parent == directory and path.is_file() else None


@bp.route("/ontology", defaults={"name": "", "ext": None})
@bp.route("/ontology.<ext>", defaults={"name": ""})
@bp.route("/ontology/<name>", defaults={"ext": None})
@bp.route("/ontology/<name>.<ext>")
def ontology(name: str, ext: str | None) -> Response:
    """The ontology (or a companion file) as HTML or RDF, by suffix or ``Accept``."""
    base_path = "/ontology" + (f"/{name}" if name else "")

    def render(media_type: str) -> Response:
        path = ontology_file(name)
        if path is None:
            return error_response(404, f"No ontology file {base_path}")
        if media_type == HTML:
            return Response(render_documentation(path, base_path), mimetype="text/html")
        if media_type == "text/turtle":
            return Response(path.read_bytes(), content_type="text/turtle; charset=utf-8")
        with open(path, "rb") as f:
            triples = [q.triple for q in ox.parse(f, format=ox.RdfFormat.TURTLE)]
        return Response(serialize(triples, BY_MEDIA_TYPE[media_type]), content_type=media_type)

    return document_response(ext, base_path, render)


def _short(iri: str) -> str:
    for prefix, namespace in sorted(PREFIXES.items(), key=lambda p: -len(p[1])):
        if iri.startswith(namespace) and iri != namespace:
            return f"{prefix}:{iri[len(namespace) :]}"
    return iri


def _text(graph: rdflib.Graph, node: rdflib.term.Node, *props: rdflib.URIRef) -> str:
    for prop in props:
        values = sorted(
            graph.objects(node, prop), key=lambda v: (getattr(v, "language", None) not in (None, "en"), str(v))
        )
        if values:
            return str(values[0])
    return ""


def _ref(graph: rdflib.Graph, node: rdflib.term.Node) -> tuple[str, str]:
    """A related term as (label, href): an anchor on this page for ``aa:`` terms, the IRI otherwise."""
    iri = str(node)
    if isinstance(node, rdflib.BNode):
        union = graph.value(node, OWL.unionOf)
        members = [str(m) for m in graph.items(union)] if union else []
        return (" or ".join(_short(m) for m in members) or "(anonymous)", "")
    if iri.startswith(str(AA)):
        return (_text(graph, node, RDFS.label, SKOS.prefLabel) or _short(iri), "#" + iri[len(str(AA)) :])
    return (_short(iri), iri)


RELATIONS = [
    ("subclass of", RDFS.subClassOf, False),
    ("superclass of", RDFS.subClassOf, True),
    ("equivalent to", OWL.equivalentClass, False),
    ("disjoint with", OWL.disjointWith, False),
    ("subproperty of", RDFS.subPropertyOf, False),
    ("superproperty of", RDFS.subPropertyOf, True),
    ("inverse of", OWL.inverseOf, False),
    ("domain", RDFS.domain, False),
    ("range", RDFS.range, False),
    ("close match", SKOS.closeMatch, False),
    ("exact match", SKOS.exactMatch, False),
    ("in scheme", SKOS.inScheme, False),
    ("broader", SKOS.broader, False),
    ("type", RDF.type, False),
]


def _terms(graph: rdflib.Graph, kinds: list[rdflib.URIRef]) -> list[Term]:
    subjects = {
        s
        for kind in kinds
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, rdflib.URIRef) and str(s).startswith(str(AA))
    }
    terms = []
    for s in sorted(subjects, key=str):
        relations = []
        for title, prop, inverse in RELATIONS:
            nodes = graph.subjects(prop, s) if inverse else graph.objects(s, prop)
            refs = sorted({_ref(graph, n) for n in nodes if n not in kinds})
            if refs:
                relations.append((title, refs))
        terms.append(
            Term(
                str(s)[len(str(AA)) :],
                _text(graph, s, RDFS.label, SKOS.prefLabel),
                str(s),
                _text(graph, s, RDFS.comment, SKOS.definition),
                relations,
            )
        )
    return terms


def render_documentation(path: Path, base_path: str) -> str:
    """The HTML documentation of the ontology file at ``path``."""
    graph = rdflib.Graph().parse(path, format="turtle")
    ontology_node = next(iter(graph.subjects(RDF.type, OWL.Ontology)), ONTOLOGY_IRI)
    sections = [
        ("Classes", _terms(graph, [OWL.Class])),
        ("Object properties", _terms(graph, [OWL.ObjectProperty])),
        ("Datatype properties", _terms(graph, [OWL.DatatypeProperty])),
        ("Annotation properties", _terms(graph, [OWL.AnnotationProperty])),
        ("Concept schemes", _terms(graph, [SKOS.ConceptScheme])),
        ("Controlled values", _terms(graph, [SKOS.Concept, OWL.NamedIndividual])),
    ]
    return render_template(
        "ontology.html",
        label=_text(graph, ontology_node, DCTERMS.title, RDFS.label) or path.stem,
        description=_text(graph, ontology_node, DCTERMS.description, RDFS.comment),
        iri=str(ontology_node),
        version=_text(graph, ontology_node, OWL.versionInfo),
        license=_text(graph, ontology_node, DCTERMS.license),
        namespace=str(AA),
        sections=[(title, terms) for title, terms in sections if terms],
        base_path=base_path,
        alternates=[(s, BY_SUFFIX[s].media_type) for s in BY_SUFFIX],
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
