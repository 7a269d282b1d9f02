"""What the site says about itself: the dataset's licence and attribution, ``/robots.txt`` and the sitemap.

Every response carries ``Link: <licence>; rel="license"`` (the CC BY 4.0 licence of ``DATASET_LICENSE``) and
every page's footer says how to attribute the data. The sitemap lists every resource page (firms, deals,
documents, evidence, ...) and the named graphs, at their public IRIs; beyond ``SITEMAP_PAGE_SIZE`` URLs
``/sitemap.xml`` is a sitemap index of ``/sitemap/<n>.xml`` files (the protocol allows 50,000 URLs a file).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING, TypeGuard
from xml.sax.saxutils import escape

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, abort, current_app
from rdflib.namespace import RDF

from kg.vocab import AA

from .describe import distinct, iri
from .store import graph_source, per_build
from .urls import iri_for_path, public_base

if TYPE_CHECKING:
    from .backend_graph import GraphSource

bp = Blueprint("site_meta", __name__)

LICENSE_NAMES = {"https://creativecommons.org/licenses/by/4.0/": "CC BY 4.0"}
RDF_TYPE = iri(RDF.type)
# The kinds of resource that have a page. The ontology declares them pairwise disjoint (owl:AllDisjointClasses)
# and the build rejects a graph where they are not, so each resource is listed once, under its kind.
PAGE_KINDS = tuple(
    iri(c)
    for c in (
        AA.Evidence,
        AA.SourceDocument,
        AA.Deal,
        AA.Firm,
        AA.Person,
        AA.TechnologyDomain,
        AA.Product,
        AA.Brand,
        AA.Alliance,
        AA.Investigation,
        AA.Authority,
    )
)
SITE_PAGES = ("/", "/query", "/ontology", "/dumps/", "/.well-known/void", "/catalog")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


@dataclass(frozen=True)
class DatasetInfo:
    """How the dataset names itself, its publisher and its licence (read by VoID, DCAT and the pages)."""

    title: str
    description: str
    homepage: str
    publisher: str
    license: str
    license_name: str
    attribution: str


def dataset_info() -> DatasetInfo:
    """The dataset's title, description, publisher and licence, with the public base as its homepage."""
    license_iri = str(current_app.config["DATASET_LICENSE"])
    home = public_base()
    return DatasetInfo(
        title="autoalliance",
        description=(
            "A knowledge graph of strategic cooperation between firms of the automotive industry: who works "
            "with whom, on which technology, under what kind of agreement, since when, with what status, "
            "each fact with the quote of the news article that states it."
        ),
        homepage=home,
        publisher="The autoalliance project",
        license=license_iri,
        license_name=LICENSE_NAMES.get(license_iri, license_iri),
        attribution=f"autoalliance knowledge graph ({home})",
    )


def template_context() -> dict[str, DatasetInfo]:
    """``dataset_info`` for templates: the footer's licence and attribution."""
    return {"dataset_info": dataset_info()}


@bp.route("/robots.txt")
def robots() -> Response:
    """Crawlers are welcome on the pages; the endpoint and the dumps are for clients, not crawlers."""
    lines = [
        "User-agent: *",
        "Disallow: /sparql",
        "Disallow: /dumps/",
        "Allow: /",
        "",
        f"Sitemap: {iri_for_path('/sitemap.xml')}",
        "",
    ]
    return Response("\n".join(lines), content_type="text/plain; charset=utf-8")


def _under_id(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> TypeGuard[ox.NamedNode]:
    return isinstance(node, ox.NamedNode) and node.value.startswith(public_base() + "id/")


def kind_resources(store: GraphSource, index: int) -> Iterator[ox.NamedNode]:
    """The resources of ``PAGE_KINDS[index]`` under ``/id/``, each once, in the store's index order."""
    subjects = distinct(q.triple for q in store.quads_for_pattern(None, RDF_TYPE, PAGE_KINDS[index], None))
    for t in subjects:
        if _under_id(t.subject):
            yield t.subject


def graph_names(store: GraphSource) -> list[ox.NamedNode]:
    """The named graphs under the public base, sorted."""
    base = public_base() + "graph/"
    return sorted(
        (g for g in store.named_graphs() if isinstance(g, ox.NamedNode) and g.value.startswith(base)), key=str
    )


def section_sizes(store: GraphSource) -> list[int]:
    """How many URLs each section of the sitemap has: the site's pages, each kind of resource, the graphs."""
    return [
        len(SITE_PAGES),
        *(sum(1 for _ in kind_resources(store, i)) for i in range(len(PAGE_KINDS))),
        len(graph_names(store)),
    ]


def _section(store: GraphSource, index: int) -> Iterator[str]:
    if index == 0:
        return (iri_for_path(p) for p in SITE_PAGES)
    if index <= len(PAGE_KINDS):
        return (r.value for r in kind_resources(store, index - 1))
    return (g.value for g in graph_names(store))


def sitemap_urls(store: GraphSource, sizes: list[int], start: int, count: int) -> list[str]:
    """``count`` URLs of the sitemap from position ``start``, skipping whole sections before it unread."""
    urls: list[str] = []
    offset = 0
    for index, size in enumerate(sizes):
        if offset + size > start and len(urls) < count:
            skip = max(start - offset, 0)
            urls += islice(_section(store, index), skip, skip + count - len(urls))
        offset += size
    return urls


def _xml(body: str) -> Response:
    return Response('<?xml version="1.0" encoding="UTF-8"?>\n' + body, content_type="application/xml; charset=utf-8")


def _urlset(urls: list[str]) -> Response:
    entries = "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls)
    return _xml(f'<urlset xmlns="{SITEMAP_NS}">\n{entries}</urlset>\n')


@bp.route("/sitemap.xml")
def sitemap() -> Response:
    """Every page: one ``urlset`` while it fits in ``SITEMAP_PAGE_SIZE`` URLs, else a sitemap index."""
    store = graph_source(current_app)
    sizes = per_build(current_app, "sitemap_sizes", section_sizes)
    size = int(current_app.config["SITEMAP_PAGE_SIZE"])
    total = sum(sizes)
    if total <= size:
        return _urlset(sitemap_urls(store, sizes, 0, size))
    entries = "".join(
        f"  <sitemap><loc>{escape(iri_for_path(f'/sitemap/{n}.xml'))}</loc></sitemap>\n"
        for n in range(1, math.ceil(total / size) + 1)
    )
    return _xml(f'<sitemapindex xmlns="{SITEMAP_NS}">\n{entries}</sitemapindex>\n')


@bp.route("/sitemap/<int:number>.xml")
def sitemap_part(number: int) -> Response:
    """Part ``number`` (from 1) of a sitemap split by ``/sitemap.xml``'s index."""
    store = graph_source(current_app)
    sizes = per_build(current_app, "sitemap_sizes", section_sizes)
    size = int(current_app.config["SITEMAP_PAGE_SIZE"])
    if number < 1 or (number - 1) * size >= sum(sizes):
        abort(404)
    return _urlset(sitemap_urls(store, sizes, (number - 1) * size, size))


def init_app(app: Flask) -> None:
    """Register the blueprint and the footer's dataset information."""
    app.register_blueprint(bp)
    app.context_processor(template_context)
