"""The site's own pages: the home page and the query UI; and the wiring of every page blueprint.

Every HTML response gets the Content-Security-Policy of ``CONTENT_SECURITY_POLICY`` (scripts only from this
site); templates are autoescaped and pass data to scripts only as JSON (``|tojson``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, render_template

from kg.iris import PREFIXES

from .examples import load_examples
from .kgview import KGView
from .network import build_network
from .page_data import all_deals, deal_rows
from .store import extension_state, get_store
from .timeline import build_timeline
from .urls import TEMPLATE_GLOBALS, query_ui_url, sparql_url

bp = Blueprint("pages", __name__)

COUNT_QUERIES = {
    "firms": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:Firm }",
    "deals": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ?k . ?k rdfs:subClassOf* aa:Deal }",
    "documents": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:SourceDocument }",
    "quotes": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a aa:Evidence }",
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
}


def counts() -> dict[str, int]:
    """Firms, deals, documents, evidence quotes and distinct triples; computed once per store."""
    store = get_store(current_app)
    state = extension_state(current_app)
    cached = state.get("page_counts")
    if cached and cached[0] is store:
        return cached[1]
    result = {}
    for name, query in COUNT_QUERIES.items():
        solutions = store.query(query, prefixes={"aa": PREFIXES["aa"], "rdfs": PREFIXES["rdfs"]},
                                use_default_graph_as_union=True)
        result[name] = int(next(iter(solutions))["n"].value)  # type: ignore[index,union-attr]
    state["page_counts"] = (store, result)
    return result


@bp.route("/")
def home() -> str:
    """Counts, the network of all firms, the timeline of deals, example queries, links to the services."""
    kv = KGView(get_store(current_app))
    rows = deal_rows(kv, all_deals(kv), with_evidence=False)
    examples = load_examples(Path(current_app.config["EXAMPLE_QUERIES_DIR"]))
    return render_template(
        "home.html",
        counts=counts(),
        network=build_network(kv, width=900, height=560),
        timeline=build_timeline(rows),
        examples=examples,
        label="Home",
    )


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
    from . import dumps, linked_data, ontology_docs, void

    app.register_blueprint(bp)
    linked_data.init_app(app)
    ontology_docs.init_app(app)
    dumps.init_app(app)
    void.init_app(app)
    app.context_processor(template_globals)
    app.add_template_filter(amount, "amount")
    app.after_request(add_security_headers)
