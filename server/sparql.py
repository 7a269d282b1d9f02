"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, with the Service Description and CORS.

GET ``?query=``, POST form (``query=``) and POST ``application/sparql-query`` run a query; ``default-graph-uri``
and ``named-graph-uri`` set the dataset, otherwise the default graph is the union of all graphs (unless the query
has FROM). Answers are negotiated by ``Accept`` (q-values) or a ``format``/``output`` parameter. Without a query,
GET returns the Service Description, or the query UI when a browser asks.

A result larger than ``MAX_RESULT_ROWS`` is cut at that many rows (or triples) and says so in its headers:
``X-Result-Truncated: true``, with ``X-Result-Row-Limit`` and ``X-Result-Rows``. The body stays a valid document.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, current_app, request

from . import service_description
from .errors import error_response
from .formats import UnknownFormat, choose_formats
from .negotiation import prefers_html
from .query_check import QueryRefused, check_query, prefix_hint
from .query_exec import QueryFailed, QueryJob, pool_for
from .rdf_formats import BY_MEDIA_TYPE, content_type, serialize

bp = Blueprint("sparql", __name__)

ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
EXPOSED_HEADERS = "X-Result-Truncated, X-Result-Row-Limit, X-Result-Rows, Content-Type, Content-Length"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = "SPARQL Update is not accepted: this endpoint is read-only"


class ProtocolError(Exception):
    """A request that breaks the SPARQL Protocol; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _utf8(charset: str | None) -> None:
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not supported; send the query in UTF-8")


def read_protocol_request() -> tuple[str | None, dict[str, list[str]]]:
    """Return the query of the current request (``None`` when there is none) and its other parameters.

    Raises :class:`ProtocolError`: 403 for an update, 415 for a POST that is neither a form nor a SPARQL query
    (or not UTF-8), 413 for an oversized body, 400 for several queries or an undecodable body.
    """
    max_length = int(current_app.config["MAX_QUERY_LENGTH"])
    params: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    queries = list(params.pop("query", []))
    if request.method == "POST":
        if request.content_length is not None and request.content_length > 4 * max_length + 4096:
            raise ProtocolError(413, f"the request body is too large; a query may have {max_length} characters")
        mimetype = request.mimetype
        if mimetype == FORM:
            _utf8(request.mimetype_params.get("charset"))
            for key in request.form:
                values = request.form.getlist(key)
                if key == "query":
                    queries += values
                else:
                    params.setdefault(key, []).extend(values)
        elif mimetype == DIRECT:
            _utf8(request.mimetype_params.get("charset"))
            try:
                queries.append(request.get_data(cache=False).decode("utf-8"))
            except UnicodeDecodeError as exc:
                raise ProtocolError(400, f"the query is not valid UTF-8: {exc}") from None
        elif mimetype == UPDATE:
            raise ProtocolError(403, READ_ONLY)
        elif not mimetype:
            raise ProtocolError(415, f"a POST needs Content-Type {FORM} or {DIRECT}")
        else:
            raise ProtocolError(415, f"Content-Type {mimetype} is not accepted; use {FORM} or {DIRECT}")
    if params.get("update") or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise ProtocolError(403, READ_ONLY)
    if len(queries) > 1:
        raise ProtocolError(400, f"one query per request, got {len(queries)} `query` parameters")
    if not queries:
        return None, params
    query = queries[0]
    if len(query) > max_length:
        raise ProtocolError(413, f"the query has {len(query)} characters; the limit is {max_length}")
    if not query.strip():
        raise ProtocolError(400, "the query is empty")
    return query, params


def service_allowlist() -> list[str]:
    """``SERVICE_ALLOWLIST`` as a list of IRIs (a string setting is split on spaces and commas)."""
    setting = current_app.config.get("SERVICE_ALLOWLIST") or []
    return setting.replace(",", " ").split() if isinstance(setting, str) else [str(iri) for iri in setting]


def _format_parameter(params: dict[str, list[str]]) -> str | None:
    values = params.get("format") or params.get("output") or []
    return values[0] if values else None


def run_query(query: str, params: dict[str, list[str]]) -> Response:
    """Check, run and stream ``query``; errors come back as :func:`server.errors.error_response`."""
    config = current_app.config
    try:
        facts = check_query(query, service_allowlist())
        results_type, graph_type = choose_formats(request.headers.get("Accept"), _format_parameter(params))
    except QueryRefused as exc:
        return error_response(exc.status, exc.message)
    except UnknownFormat as exc:
        return error_response(400, str(exc))
    if facts.form in ("SELECT", "ASK") and results_type is None:
        return error_response(406, "none of the accepted media types fits; results are JSON, XML, CSV or TSV")
    if facts.form in ("CONSTRUCT", "DESCRIBE") and graph_type is None:
        return error_response(
            406, "none of the accepted media types fits; graphs are Turtle, N-Triples, JSON-LD or RDF/XML"
        )
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    protocol_dataset = bool(default_graphs or named_graphs)
    job = QueryJob(
        query=query,
        results_type=results_type,
        graph_type=graph_type,
        default_graphs=tuple(default_graphs) if protocol_dataset else None,
        named_graphs=tuple(named_graphs) if protocol_dataset else None,
        union_default_graph=not protocol_dataset and not facts.has_from,
        max_rows=int(config["MAX_RESULT_ROWS"]),
        prefixes=tuple(_prefixes().items()),
    )
    try:
        head, stream = pool_for(current_app).execute(job)
    except QueryFailed as exc:
        headers = {"Retry-After": "5"} if exc.status == 503 else None
        return error_response(exc.status, exc.message + _prefix_hint(query, exc), headers)
    response = Response(stream, status=200, content_type=content_type(head.media_type))
    response.headers["Vary"] = "Accept"
    response.headers["X-Result-Rows"] = str(head.rows)
    response.headers["X-Result-Row-Limit"] = str(job.max_rows)
    response.headers["X-Result-Truncated"] = "true" if head.truncated else "false"
    return response


def _prefix_hint(query: str, failure: QueryFailed) -> str:
    """For a syntax error caused by undeclared prefixes, say which and how to declare them."""
    if failure.status != 400 or "Prefix not found" not in failure.message:
        return ""
    hint = prefix_hint(query)
    return f"\n{hint}" if hint else ""


def _prefixes() -> dict[str, str]:
    """Prefixes for Turtle and RDF/XML output: those that never need escaped characters in local names."""
    from kg.dumps import DUMP_PREFIXES

    return DUMP_PREFIXES


def describe_endpoint() -> Response:
    """The Service Description in the negotiated RDF format (Turtle by default); 406 when none fits."""
    fmt = _format_parameter({k: request.args.getlist(k) for k in request.args})
    try:
        media_type = choose_formats(request.headers.get("Accept"), fmt)[1]
    except UnknownFormat as exc:
        return error_response(400, str(exc))
    if media_type is None:
        return error_response(406, "the service description is Turtle, N-Triples, JSON-LD or RDF/XML")
    try:
        union, graphs = service_description.dataset_counts(pool_for(current_app))
    except QueryFailed as exc:
        return error_response(exc.status, exc.message)
    triples = service_description.describe_service(request.base_url, union, graphs, federated=bool(service_allowlist()))
    body = serialize(triples, BY_MEDIA_TYPE[media_type], service_description.SD_PREFIXES)
    response = Response(body, content_type=content_type(media_type))
    response.headers["Vary"] = "Accept"
    return response


MINIMAL_FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SPARQL endpoint</title></head>
<body><h1>SPARQL endpoint</h1>
<form method="post" action=""><textarea name="query" rows="12" cols="80">SELECT * WHERE { ?s ?p ?o } LIMIT 10</textarea>
<p><button type="submit">Run query</button></p></form></body></html>
"""


def query_ui() -> Response:
    """The query UI of the pages blueprint when it is registered, else a minimal form."""
    view = current_app.view_functions.get("pages.query_ui")
    if view is not None:
        response = current_app.make_response(view())
    else:
        response = Response(MINIMAL_FORM, content_type="text/html; charset=utf-8")
    response.headers["Vary"] = "Accept"
    return response


@bp.route("/sparql", methods=["GET", "POST", "OPTIONS"], strict_slashes=False, provide_automatic_options=False)
def endpoint() -> Response:
    """The SPARQL 1.1 Protocol endpoint (query operation only)."""
    if request.method == "OPTIONS":
        return preflight()
    try:
        query, params = read_protocol_request()
    except ProtocolError as exc:
        return error_response(exc.status, exc.message)
    if query is not None:
        return run_query(query, params)
    if request.method == "POST":
        return error_response(400, "the request has no `query` parameter")
    if prefers_html(request.headers.get("Accept")):
        return query_ui()
    return describe_endpoint()


@bp.route("/sparql", methods=["PUT", "DELETE", "PATCH"], strict_slashes=False, endpoint="other_methods")
def other_methods() -> Response:
    """Methods the protocol does not define for queries: 405 with ``Allow``."""
    message = f"{request.method} is not allowed on the SPARQL endpoint; use GET or POST (queries only)"
    return error_response(405, message, {"Allow": ALLOWED_METHODS})


def preflight() -> Response:
    """Answer a CORS preflight (the origin headers are added by :func:`add_cors_headers`)."""
    response = Response(status=204)
    response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    requested = request.headers.get("Access-Control-Request-Headers", "")
    names = [h.strip() for h in requested.split(",") if h.strip()]
    safe = [h for h in names if all(c.isalnum() or c in "-_" for c in h)]
    response.headers["Access-Control-Allow-Headers"] = ", ".join(safe) if safe else "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def allowed_origin(origin: str | None) -> str | None:
    """The ``Access-Control-Allow-Origin`` value for a request from ``origin`` under ``CORS_ORIGINS``.

    ``CORS_ORIGINS`` is ``"*"`` (any origin), a list of origins, or a string of them separated by spaces or commas;
    an empty value disables CORS.
    """
    setting = current_app.config.get("CORS_ORIGINS") or []
    origins = setting.replace(",", " ").split() if isinstance(setting, str) else list(setting)
    if "*" in origins:
        return "*"
    return origin if origin and origin in origins else None


@bp.after_request
def add_cors_headers(response: Response) -> Response:
    """Add CORS headers to every ``/sparql`` response; credentials are never allowed."""
    value = allowed_origin(request.headers.get("Origin"))
    if value is not None:
        response.headers["Access-Control-Allow-Origin"] = value
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if value != "*":
            response.vary.add("Origin")
    response.headers.pop("Access-Control-Allow-Credentials", None)
    return response


def init_app(app: Flask) -> None:
    """Register ``/sparql``."""
    app.register_blueprint(bp)
