"""The search box: resources found by any of their labels or alternative names (``skos:altLabel``, legal
names, titles), case- and accent-insensitively, each word matching the start of a word of a name.

Read from the build's full-text table (SQLite FTS5 in ``kg.sitedata``'s index), never by a regex over the
store. The words of the query are taken as plain words: FTS5 operators in it have no effect.
"""

from __future__ import annotations

import re

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest

from .browse import KINDS
from .page_data import iri_link
from .paging import Page, json_requested, paginate
from .site_data import index_db

bp = Blueprint("search", __name__)
PER_PAGE = 25
MAX_QUERY = 200  # characters
MAX_WORDS = 12
WORD = re.compile(r"\w+", re.UNICODE)


def match_expression(query: str) -> str | None:
    """The FTS5 expression for ``query``: every word as a quoted prefix (``"toy"*``), all required; ``None``
    when the query has no word."""
    words = WORD.findall(query)[:MAX_WORDS]
    return " ".join(f'"{w}"*' for w in words) or None


@bp.route("/search")
def search() -> Response | str:
    """``?q=`` words, optional ``?kind=`` (firm, deal, ...), ``?page=N``; HTML or JSON."""
    query = request.args.get("q", "").strip()
    if len(query) > MAX_QUERY:
        raise BadRequest(f"A search is at most {MAX_QUERY} characters long")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in KINDS:
        raise BadRequest(f"?kind= must be one of {', '.join(KINDS)}")
    expression = match_expression(query)
    results: list[dict[str, object]] = []
    page = Page(1, PER_PAGE, 0)
    if expression:
        db = index_db()
        where = "search MATCH ?" + (" AND r.kind = ?" if kind else "")
        params: list[object] = [expression, *([kind] if kind else [])]
        joined = f"FROM search JOIN resource r ON r.iri = search.iri WHERE {where}"
        total = db.execute(f"SELECT COUNT(DISTINCT r.iri) {joined}", params).fetchone()[0]
        page = paginate(total, PER_PAGE)
        rows = db.execute(
            f"SELECT r.iri, r.kind, r.label, group_concat(search.name, '\x1f') AS names, "
            f"MAX(lower(search.name) = ?) AS exact, MIN(search.rank) AS score {joined} "
            f"GROUP BY r.iri ORDER BY exact DESC, score ASC, r.sort_label ASC LIMIT ? OFFSET ?",
            [query.casefold(), *params, page.size, page.offset],
        ).fetchall()
        for row in rows:
            names = sorted({n for n in row["names"].split("\x1f") if n != row["label"]})
            results.append({"iri": row["iri"], "kind": row["kind"], "label": row["label"], "matched": names})
    if json_requested():
        return jsonify({"q": query, "kind": kind, **page.as_json(), "results": results})
    items = [(iri_link(str(r["iri"]), str(r["label"])), r) for r in results]
    return render_template(
        "search.html",
        q=query,
        kind=kind,
        items=items,
        page=page,
        kinds=KINDS,
        label=f"Search: {query}" if query else "Search",
    )


def init_app(app: Flask) -> None:
    """Register the search page."""
    app.register_blueprint(bp)
