"""Index pages: every firm, deal, domain, person, document and alliance, at ``/id/<kind>/``, paginated and
sortable, as HTML or JSON; read from the build's SQLite index (``kg.sitedata``), never by scanning the store."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import BadRequest

from .page_data import iri_link
from .paging import json_requested, paginate
from .site_data import index_db

bp = Blueprint("browse", __name__)
PER_PAGE = 50


@dataclass(frozen=True)
class Kind:
    """One index: its title, the columns it shows and the orders it offers (the first is the default)."""

    title: str
    singular: str
    sorts: tuple[str, ...]
    count_title: str = ""


KINDS = {
    "firm": Kind("Firms", "firm", ("label", "partners", "deals"), "deals"),
    "deal": Kind("Deals", "deal", ("label", "date", "status", "kind")),
    "domain": Kind("Technology domains", "domain", ("label", "deals"), "deals"),
    "person": Kind("People", "person", ("label", "deals"), "deals signed"),
    "document": Kind("Documents", "document", ("label", "date", "deals"), "quotes"),
    "alliance": Kind("Alliances", "alliance", ("label", "deals"), "deals"),
}
INDEX_KINDS = [(kind, k.title) for kind, k in KINDS.items()]
COLUMNS = {
    "label": "sort_label",
    "date": "date",
    "deals": "deals",
    "partners": "partners",
    "status": "status",
    "kind": "deal_kind",
}
DEFAULT_ORDER = {"label": "asc", "date": "asc", "status": "asc", "kind": "asc", "deals": "desc", "partners": "desc"}


def _choice(name: str, allowed: tuple[str, ...], default: str) -> str:
    value = request.args.get(name, default)
    if value not in allowed:
        raise BadRequest(f"?{name}= must be one of {', '.join(allowed)}, not {value[:40]!r}")
    return value


@bp.route("/id/<any(firm, deal, domain, person, document, alliance):kind>/")
def index(kind: str) -> Response | str:
    """The index of ``kind``: ``?sort=`` (per kind), ``?order=asc|desc``, ``?page=N``, and for deals
    ``?year=YYYY`` (deals whose first date is in that year)."""
    spec = KINDS[kind]
    sort = _choice("sort", spec.sorts, spec.sorts[0])
    order = _choice("order", ("asc", "desc"), DEFAULT_ORDER[sort])
    where, params = "kind = ?", [kind]
    year = request.args.get("year")
    if year is not None:
        if kind != "deal" or not (year.isdigit() and len(year) == 4):
            raise BadRequest("?year= takes a four-digit year, on the index of deals")
        where += " AND date LIKE ?"
        params.append(year + "%")
    db = index_db()
    total = db.execute(f"SELECT COUNT(*) FROM resource WHERE {where}", params).fetchone()[0]
    page = paginate(total, PER_PAGE)
    direction = "DESC" if order == "desc" else "ASC"
    # undated deals and documents go last whatever the order
    empty_last = f"({COLUMNS[sort]} = '') ASC, " if sort == "date" else ""
    rows = db.execute(
        f"SELECT iri, label, date, status, deal_kind, deals, partners FROM resource WHERE {where} "
        f"ORDER BY {empty_last}{COLUMNS[sort]} {direction}, sort_label ASC, iri ASC LIMIT ? OFFSET ?",
        [*params, page.size, page.offset],
    ).fetchall()
    if json_requested():
        return jsonify(
            {
                "kind": kind,
                "sort": sort,
                "order": order,
                **page.as_json(),
                "items": [{k: row[k] for k in row.keys()} for row in rows],
            }
        )
    items = [(iri_link(row["iri"], row["label"]), row) for row in rows]
    return render_template(
        "index.html",
        kind=kind,
        spec=spec,
        items=items,
        page=page,
        sort=sort,
        order=order,
        year=year,
        label=spec.title,
        default_order=DEFAULT_ORDER,
    )


def init_app(app: Flask) -> None:
    """Register the index pages (before the linked-data routes, which would take ``/id/<kind>/`` otherwise)."""
    app.register_blueprint(bp)
    app.jinja_env.globals["index_kinds"] = INDEX_KINDS
