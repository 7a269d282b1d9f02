"""The site's own pages: the home page and the query UI; and the wiring of every page blueprint.

Every HTML response gets the Content-Security-Policy of ``CONTENT_SECURITY_POLICY`` (scripts only from this
site); templates are autoescaped and pass data to scripts only as JSON (``|tojson``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template

from kg.exports import EXPORTS
from kg.exports import MEDIA_TYPES as EXPORT_TYPES
from kg.iris import PREFIXES
from kg.releases import read_index

from .dumps import list_dumps
from .examples import load_examples
from .exports import exports_dir
from .network import network_from_site_data
from .page_data import iri_link
from .releases import releases_dir
from .site_data import site_data
from .site_meta import dataset_info
from .timeline import build_timeline, per_year_bars, timeline_deals
from .urls import TEMPLATE_GLOBALS, export_url, iri_for_path, query_ui_url, sparql_url, with_query

bp = Blueprint("pages", __name__)


@bp.route("/")
def home() -> str:
    """Counts, the network of the most connected firms, the timeline of deals, example queries, links to the
    services and exports: all from the build's site data, so the page costs the same at any size."""
    summary = site_data().summary
    examples = load_examples(Path(current_app.config["EXAMPLE_QUERIES_DIR"]))
    timeline = summary["timeline"]
    return render_template(
        "home.html",
        counts=summary["counts"],
        network=network_from_site_data(summary["network"], iri_link),
        firms_with_partners=summary["network"]["firms_with_partners"],
        timeline=build_timeline(timeline_deals(timeline["deals"], iri_link)),
        deals_per_year=per_year_bars(timeline["years"]),
        examples=examples,
        exports=available_exports(),
        dataset_jsonld=dataset_jsonld(summary["counts"]),
        label="Home",
    )


def available_exports() -> list[tuple[str, str]]:
    """The exports of the current build, with what each holds."""
    directory = exports_dir()
    return [(name, title) for name, title in EXPORTS.items() if (directory / name).is_file()]


def dataset_jsonld(counts: dict[str, int]) -> dict[str, Any]:
    """A schema.org ``Dataset`` describing the graph, for dataset search engines (JSON-LD in the home page)."""
    releases = read_index(releases_dir())
    distribution = [
        {
            "@type": "DataDownload",
            "name": d.name,
            "encodingFormat": d.media_type.split(";")[0],
            "contentUrl": iri_for_path(d.url),
            "sha256": d.sha256,
        }
        for d in list_dumps()
    ]
    distribution += [
        {
            "@type": "DataDownload",
            "name": name,
            "description": title,
            "encodingFormat": EXPORT_TYPES[Path(name).suffix].split(";")[0],
            "contentUrl": iri_for_path(export_url(name)),
        }
        for name, title in available_exports()
    ]
    info = dataset_info()
    dataset: dict[str, Any] = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": info.homepage,
        "name": info.title,
        "description": f"{info.description} {counts.get('firms', 0)} firms, {counts.get('deals', 0)} deals, "
        f"{counts.get('quotes', 0)} evidence quotes.",
        "url": info.homepage,
        "license": info.license,
        "isAccessibleForFree": True,
        "keywords": ["automotive industry", "strategic alliances", "joint ventures", "knowledge graph", "RDF"],
        "creator": {"@type": "Organization", "name": info.publisher},
        "publisher": {"@type": "Organization", "name": info.publisher},
        "citation": info.attribution,
        "distribution": [
            *distribution,
            {
                "@type": "DataDownload",
                "name": "SPARQL endpoint",
                "encodingFormat": "application/sparql-results+json",
                "contentUrl": iri_for_path(sparql_url()),
            },
        ],
    }
    if releases:
        dataset["version"] = str(releases[-1]["number"])
        dataset["dateModified"] = releases[-1]["date"]
    return dataset


@bp.route("/query")
def query_ui() -> str:
    """The query UI (YASGUI, served from this site), pointed at the local endpoint, with the prefixes and the
    example queries. ``/sparql`` shows it to browsers that ask without a query."""
    examples = load_examples(Path(current_app.config["EXAMPLE_QUERIES_DIR"]))
    config = {
        "endpoint": sparql_url(),
        "prefixes": PREFIXES,
        "examples": [{"name": e.name, "title": e.title, "query": e.query} for e in examples],
        "defaultQuery": default_query(),
    }
    return render_template("query.html", config=config, examples=examples, label="Query")


def default_query() -> str:
    """The query a new tab starts with: the prefixes and a small, useful question."""
    lines = [f"PREFIX {name}: <{iri}>" for name, iri in PREFIXES.items() if name in ("aa", "rdfs", "firm")]
    return "\n".join(lines) + (
        "\n\n# Deals with their status and parties\n"
        "SELECT ?deal ?label ?status ?firm WHERE {\n"
        "  ?deal aa:party ?firm ; rdfs:label ?label ; aa:status ?status .\n"
        "}\nORDER BY ?label\nLIMIT 100\n"
    )


def add_security_headers(response: Response) -> Response:
    """Send the CSP (and ``nosniff``) with every HTML response of the app."""
    if response.mimetype == "text/html":
        response.headers.setdefault("Content-Security-Policy", current_app.config["CONTENT_SECURITY_POLICY"])
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def template_globals() -> dict[str, Any]:
    """URL builders for templates."""
    return dict(TEMPLATE_GLOBALS, query_ui_url=query_ui_url)


def amount(value: str) -> str:
    """A monetary amount for people: ``2710000000`` -> ``2,710,000,000``; anything else unchanged."""
    whole, dot, fraction = str(value).partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        return str(value)
    return f"{int(whole):,}" + (dot + fraction if fraction else "")


def init_app(app: Flask) -> None:
    """Register the pages and the other page blueprints (linked data, ontology, dumps, VoID)."""
    from . import browse, dumps, exports, linked_data, ontology_docs, page_guard, releases, search, site_data, void

    page_guard.init_app(app)
    site_data.init_app(app)
    app.register_blueprint(bp)
    browse.init_app(app)  # before linked_data: /id/<kind>/ is an index, not a resource
    search.init_app(app)
    releases.init_app(app)
    exports.init_app(app)
    linked_data.init_app(app)
    ontology_docs.init_app(app)
    dumps.init_app(app)
    void.init_app(app)
    app.context_processor(template_globals)
    app.jinja_env.globals["with_query"] = with_query  # for macros, which do not see the context
    app.add_template_filter(amount, "amount")
    app.after_request(add_security_headers)
