"""Linked data: every IRI under the public base dereferences at its local path (``/id/...``, ``/graph/...``).

HTML for browsers; Turtle, JSON-LD, N-Triples and RDF/XML by ``Accept`` (with q-values) or by suffix
(``.ttl .jsonld .nt .rdf .html``). Responses carry ``Vary: Accept`` and ``Link rel="alternate"`` headers;
unknown IRIs get a 404 in the negotiated shape.

The RDF is a symmetric concise bounded description (``server.describe``): outgoing and incoming links with the
labels of what they link to. Hubs are cut into pages: ``?page=N``, announced by ``Link: <...>; rel="next"``
headers and by Hydra triples (``hydra:next``) about the fetched document in the RDF itself.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template, request

from kg.dumps import DUMP_PREFIXES

from .describe import HYDRA, Description, describe, graph_content, page_url, paging_triples, used_prefixes
from .entity_pages import deal_page, document_page, domain_page, firm_page, generic_page, person_page
from .errors import error_response
from .formats import choose_representation
from .kgview import KGView
from .page_data import concept_label
from .rdf_formats import BY_MEDIA_TYPE, BY_SUFFIX, HTML, RDF_MEDIA_TYPES, content_type, link_header, serialize
from .store import graph_source, paths
from .urls import iri_for_path

bp = Blueprint("linked_data", __name__)

# Segments of resource paths: slugs, document ids and evidence offsets; no dots, so a suffix is unambiguous.
SAFE_PATH = re.compile(r"^[A-Za-z0-9_\-]+(/[A-Za-z0-9_\-]+)*$")
SUFFIX = re.compile(r"^(?P<path>.+?)\.(?P<suffix>ttl|jsonld|nt|rdf|html)$")
DOCUMENT = re.compile(r"^document/(?P<doc>[A-Za-z0-9_\-]+)$")
OFFERED = [HTML, *RDF_MEDIA_TYPES]
TEMPLATES = {
    "firm": ("firm.html", firm_page),
    "deal": ("deal.html", deal_page),
    "domain": ("domain.html", domain_page),
    "person": ("person.html", person_page),
}


@bp.route("/id/<path:rest>")
def resource(rest: str) -> Response:
    """A resource of the knowledge graph (firm, deal, person, domain, document, evidence, ...)."""
    return dereference("id", rest)


@bp.route("/graph/<path:rest>")
def named_graph(rest: str) -> Response:
    """A named graph: its content as RDF, a page listing what it describes as HTML."""
    return dereference("graph", rest)


def choose_media_type(suffix: str | None) -> str | None:
    """The media type asked for by ``suffix`` or else by the ``Accept`` header; ``None`` when none fits."""
    return choose_representation(suffix, request.headers.get("Accept"))


def dereference(space: str, rest: str) -> Response:
    """Serve ``/<space>/<rest>`` in the negotiated format, or a 404/406."""
    match = SUFFIX.match(rest)
    suffix = match["suffix"] if match else None
    path = match["path"] if match else rest
    media_type = choose_media_type(suffix)
    base_path = f"/{space}/{path}"
    if media_type is None:
        response = error_response(406, "Not Acceptable: this resource is available as " + ", ".join(OFFERED))
        return _decorate(response, base_path, negotiated=True)
    kv = KGView(graph_source(current_app))
    node = ox.NamedNode(iri_for_path(base_path)) if SAFE_PATH.match(path) else None
    if node is None or not kv.exists(node):
        return _decorate(not_found(media_type, base_path), base_path, negotiated=suffix is None)
    if media_type == HTML:
        body = render_page(kv, node, space, path, base_path)
        response = Response(body, mimetype="text/html")
    else:
        page = requested_page()
        if page is None:
            return _decorate(error_response(400, "page must be a whole number from 1"), base_path, suffix is None)
        size = int(current_app.config["DESCRIPTION_PAGE_SIZE"])
        content = graph_content if space == "graph" else describe
        description = content(kv.store, node, page, size)
        if page > 1 and description.statements == 0:
            message = f"{iri_for_path(base_path)} has no page {page}"
            return _decorate(error_response(404, message), base_path, negotiated=suffix is None)
        response = rdf_response(node, description, media_type)
    if suffix is None:
        chosen = "html" if media_type == HTML else BY_MEDIA_TYPE[media_type].suffix
        response.headers["Content-Location"] = f"{base_path}.{chosen}"
    return _decorate(response, base_path, negotiated=suffix is None, exclude=media_type)


def _decorate(response: Response, base_path: str, negotiated: bool, exclude: str | None = None) -> Response:
    links = [link_header(base_path, exclude)]
    if "Link" in response.headers:
        links.append(response.headers["Link"])
    response.headers["Link"] = ", ".join(links)
    if negotiated:
        response.vary.add("Accept")
    return response


def requested_page() -> int | None:
    """The ``page`` query parameter (1 when absent), or ``None`` when it is not a whole number from 1."""
    value = request.args.get("page", "1")
    if not value.isdigit() or len(value) > 9 or int(value) < 1:
        return None
    return int(value)


def rdf_response(node: ox.NamedNode, description: Description, media_type: str) -> Response:
    """``description`` serialized as ``media_type``, with its paging controls as Hydra triples about the fetched
    document and as ``Link: <...>; rel="next"`` (``prev``, ``first``) headers."""
    triples = description.triples + paging_triples(node, description, request.base_url)
    serialization = BY_MEDIA_TYPE[media_type]
    body = serialize(triples, serialization, used_prefixes(triples, {**DUMP_PREFIXES, "hydra": str(HYDRA)}))
    response = Response(body, content_type=content_type(media_type))
    links = []
    if description.page > 1 or description.has_next:
        links.append(f'<{request.path}>; rel="first"')
    if description.page > 1:
        links.append(f'<{page_url(request.path, description.page - 1)}>; rel="prev"')
    if description.has_next:
        links.append(f'<{page_url(request.path, description.page + 1)}>; rel="next"')
    if links:
        response.headers["Link"] = ", ".join(links)
    return response


def not_found(media_type: str, base_path: str) -> Response:
    """A 404: an HTML page for browsers, the common error shape otherwise."""
    message = f"No resource {iri_for_path(base_path)} in this knowledge graph"
    if media_type == HTML:
        return Response(render_template("not_found.html", message=message), status=404, mimetype="text/html")
    return error_response(404, message)


def render_page(kv: KGView, node: ox.NamedNode, space: str, path: str, base_path: str) -> str:
    """The HTML page of ``node``: a template per kind of resource, a generic one for the others."""
    kind = path.split("/", 1)[0] if space == "id" else "graph"
    context = {
        "iri": node.value,
        "label": kv.label(node),
        "types": sorted({concept_label(kv, ox.NamedNode(t)) for t in kv.types(node)}),
        "alternates": [(s, BY_SUFFIX[s].media_type) for s in BY_SUFFIX],
        "base_path": base_path,
    }
    document = DOCUMENT.match(path) if space == "id" else None
    if document:
        context.update(document_page(kv, node, document["doc"], paths(current_app).texts))
        return render_template("document.html", **context)
    if kind in TEMPLATES and "/" not in path[len(kind) + 1 :]:
        template, build = TEMPLATES[kind]
        context.update(build(kv, node))
        return render_template(template, **context)
    context.update(generic_page(kv, node))
    return render_template("resource.html", **context)


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
