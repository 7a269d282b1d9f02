"""``/sparql``: the SPARQL 1.1 Protocol for queries, read-only, with the Service Description and CORS.

GET ``?query=``, POST form (``query=``) and POST ``application/sparql-query`` run a query; ``default-graph-uri``
and ``named-graph-uri`` set the dataset, otherwise the default graph is the union of all graphs (unless the query
has FROM). Answers are negotiated by ``Accept`` (q-values) or a ``format``/``output`` parameter. Without a query,
GET returns the Service Description, or the query UI when a browser asks.

A result larger than ``MAX_RESULT_ROWS`` is cut at that many rows (or triples) and says so in its headers:
``X-Result-Truncated: true``, with ``X-Result-Row-Limit`` and ``X-Result-Rows``. The body stays a valid document.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from typing import Any

from flask import Blueprint, Flask, Request, Response, current_app, g, request

from kg.iris import QUERY_PREFIXES

from . import service_description
from .errors import error_response
from .formats import UnknownFormat, choose_formats
from .headers import common_headers
from .httperror import HTTPError
from .negotiation import prefers_html
from .query_check import check_functions, check_nesting
from .query_exec import QueryAnswer, QueryJob, pool_for, service_allowlist
from .rdf_formats import content_type
from .store import build_identity, extension_state

bp = Blueprint("sparql", __name__)

ALLOWED_METHODS = "GET, HEAD, POST, OPTIONS"
FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
UPDATE = "application/sparql-update"
READ_ONLY = "SPARQL Update is not accepted: this endpoint is read-only"
# where the keyword FROM may start (a superset: the tokens decide); a letter or "_" before it makes another word
_FROM_WORD = re.compile(r"(?<![A-Za-z_])from", re.IGNORECASE)
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")
ProtocolError = HTTPError  # the name callers used before the one error type


def _utf8(charset: str | None) -> None:
    if charset and charset.strip().lower().replace("_", "-") not in ("utf-8", "utf8"):
        raise HTTPError(415, f"charset {charset!r} is not supported; send the query in UTF-8")


def read_protocol_request(
    request: Request = request, max_length: int | None = None
) -> tuple[str | None, dict[str, list[str]]]:
    """Return the query of ``request`` (Flask's current one by default; ``None`` when there is none) and its
    other parameters. ``max_length`` defaults to ``MAX_QUERY_LENGTH``.

    Raises :class:`ProtocolError`: 403 for an update, 415 for a POST that is neither a form nor a SPARQL query
    (or not UTF-8), 413 for an oversized body, 400 for several queries or an undecodable body.
    """
    if max_length is None:
        max_length = int(current_app.config["MAX_QUERY_LENGTH"])
    params: dict[str, list[str]] = {k: request.args.getlist(k) for k in request.args}
    queries = list(params.pop("query", []))
    if request.method == "POST":
        if request.content_length is not None and request.content_length > 4 * max_length + 4096:
            raise HTTPError(413, f"the request body is too large; a query may have {max_length} characters")
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
                raise HTTPError(400, f"the query is not valid UTF-8: {exc}") from None
        elif mimetype == UPDATE:
            raise HTTPError(403, READ_ONLY)
        elif not mimetype:
            raise HTTPError(415, f"a POST needs Content-Type {FORM} or {DIRECT}")
        else:
            raise HTTPError(415, f"Content-Type {mimetype} is not accepted; use {FORM} or {DIRECT}")
    if params.get("update") or "using-graph-uri" in params or "using-named-graph-uri" in params:
        raise HTTPError(403, READ_ONLY)
    if len(queries) > 1:
        raise HTTPError(400, f"one query per request, got {len(queries)} `query` parameters")
    if not queries:
        return None, params
    query = queries[0]
    if len(query) > max_length:
        raise HTTPError(413, f"the query has {len(query)} characters; the limit is {max_length}")
    if not query.strip():
        raise HTTPError(400, "the query is empty")
    return query, params


def _format_parameter(params: dict[str, list[str]]) -> str | None:
    values = params.get("format") or params.get("output") or []
    return values[0] if values else None


@bp.before_app_request
def start_deadline() -> None:
    """The request's one deadline: waiting for a worker, evaluation and transfer all fit before it."""
    g.deadline = time.monotonic() + float(current_app.config["QUERY_TIMEOUT"])


def _refuse_updates(query: str) -> None:
    """403 for an update sent as a query, named by its keyword (the parser would only call it a syntax error)."""
    words = query.split(None, 12)
    for word in words:
        upper = word.upper()
        if upper in ("PREFIX", "BASE") or upper.endswith(":") or upper.startswith(("<", "#")):
            continue
        if upper in UPDATE_KEYWORDS:
            raise HTTPError(403, f"SPARQL Update ({upper}) is not accepted: this endpoint is read-only")
        return


def _has_from(query: str) -> bool:
    """Whether ``query`` names its dataset with FROM (then the default graph is not the union)."""
    from kg.query_text import decode_escapes, keyword_words

    if "\\" not in query and not _FROM_WORD.search(query):
        return False  # FROM cannot start anywhere: no need to read the query's tokens
    return "FROM" in keyword_words(decode_escapes(query))


def _job(query: str, params: dict[str, list[str]], accept: str | None, config: Any) -> QueryJob:
    check_nesting(query)  # refused here, without waiting for a worker (the worker checks it again)
    check_functions(query, QUERY_PREFIXES)  # an unknown function: refused here too
    try:
        results_type, graph_type = choose_formats(accept, _format_parameter(params))
    except UnknownFormat as exc:
        raise HTTPError(400, str(exc)) from None
    default_graphs = params.get("default-graph-uri", [])
    named_graphs = params.get("named-graph-uri", [])
    protocol_dataset = bool(default_graphs or named_graphs)
    return QueryJob(
        query=query,
        results_type=results_type,
        graph_type=graph_type,
        default_graphs=tuple(default_graphs) if protocol_dataset else None,
        named_graphs=tuple(named_graphs) if protocol_dataset else None,
        union_default_graph=not protocol_dataset and not _has_from(query),
        max_rows=int(config["MAX_RESULT_ROWS"]),
        max_bytes=int(config["MAX_RESULT_BYTES"]),
        prefixes=tuple(QUERY_PREFIXES.items()),
        service_allowlist=service_allowlist(config.get("SERVICE_ALLOWLIST")),
    )


def answer(job: QueryJob, app: Flask | None = None, deadline: float | None = None) -> tuple[QueryAnswer, str]:
    """The answer to ``job`` from a query worker of ``app`` (the current app by default) by ``deadline`` (the
    request's), and its ETag (the build identity and the request).

    Raises :class:`HTTPError` as :meth:`server.query_exec.QueryPool.execute` does.
    """
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    etag = answer_etag(job, app)
    return pool_for(app).execute(job, deadline if deadline is not None else g.get("deadline")), etag


def _outcome(
    query: str, params: dict[str, list[str]], request: Request, app: Flask, deadline: float | None
) -> tuple[QueryAnswer, QueryJob, str] | Response:
    """The answer to ``query`` with its job and ETag, or the response that stands for it (an error, a 304)."""
    accept = request.headers.get("Accept")
    try:
        _refuse_updates(query)
        job = _job(query, params, accept, app.config)
        if request.if_none_match:
            etag = answer_etag(job, app)
            if request.if_none_match.contains(etag):
                return _not_modified(etag)
        result, etag = answer(job, app, deadline)
    except HTTPError as exc:
        return error_response(exc.status, _short_message(query, exc), exc.headers, accept=accept)
    return result, job, etag


def answer_headers(result: QueryAnswer, job: QueryJob, etag: str) -> list[tuple[str, str]]:
    """The headers of a successful answer (besides ``Content-Length`` and those every response gets)."""
    return [
        ("Content-Type", content_type(result.media_type)),
        ("Vary", "Accept"),
        ("X-Result-Rows", str(result.rows)),
        ("X-Result-Row-Limit", str(job.max_rows)),
        ("X-Result-Truncated", "true" if result.truncated else "false"),
        ("ETag", f'"{etag}"'),
        ("Cache-Control", "public, no-cache"),  # revalidate: the answer changes with each build
    ]


def run_query(
    query: str,
    params: dict[str, list[str]],
    request: Request = request,
    app: Flask | None = None,
    deadline: float | None = None,
) -> Response:
    """Check, run and answer ``query`` of ``request`` (Flask's current one by default) with ``app``'s workers by
    ``deadline``; errors come back as :func:`server.errors.error_response`."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    outcome = _outcome(query, params, request, app, deadline)
    if isinstance(outcome, Response):
        return outcome
    result, job, etag = outcome
    return Response(result.body, status=200, headers=answer_headers(result, job, etag))


def _key(job: QueryJob) -> str:
    return repr(
        (
            job.query,
            job.results_type,
            job.graph_type,
            job.default_graphs,
            job.named_graphs,
            job.union_default_graph,
            job.max_rows,
            job.max_bytes,
            job.service_allowlist,
        )
    )


def _etag(identity: object, key: str) -> str:
    return hashlib.sha256(f"{identity}\0{key}".encode()).hexdigest()[:32]


def answer_etag(job: QueryJob, app: Flask | None = None) -> str:
    """The ETag the answer to ``job`` has in the build now served by ``app`` (without evaluating it)."""
    if "build_identity" not in g:  # once per request: it reads links on disk
        g.build_identity = build_identity(app or current_app)
    return _etag(g.build_identity, _key(job))


Plain = tuple[str, list[tuple[str, str]], bytes]  # a WSGI answer: status line, headers, body


def answer_query_request(app: Flask, environ: dict[str, Any], identity: str | None = None) -> Plain | None:
    """The answer to a SPARQL query sent by GET or POST, made without Flask's request dispatch and response
    objects (the same protocol handling, checks, workers and headers as :func:`endpoint`, at a fraction of the
    cost per request); ``None`` for any other request to ``/sparql`` (no query, other methods), which Flask
    answers. ``identity`` is the build identity when the caller has read it already.
    """
    req = app.request_class(environ)
    if req.method not in ("GET", "POST"):
        return None
    deadline = time.monotonic() + float(app.config["QUERY_TIMEOUT"])
    origin = req.headers.get("Origin")
    with app.app_context():
        if identity is not None:
            g.build_identity = identity
        try:
            query, params = read_protocol_request(req, int(app.config["MAX_QUERY_LENGTH"]))
        except ProtocolError as exc:
            outcome: tuple[QueryAnswer, QueryJob, str] | Response
            outcome = error_response(exc.status, exc.message, accept=req.headers.get("Accept"))
        else:
            if query is None:
                return None
            outcome = _outcome(query, params, req, app, deadline)
        if isinstance(outcome, Response):
            response = common_headers(outcome, origin)
            return response.status, list(response.headers.items()), response.get_data()
        result, job, etag = outcome
        headers = answer_headers(result, job, etag)
        headers.insert(1, ("Content-Length", str(len(result.body))))
        for name, value in _common_headers(app, origin):
            if name == "Vary":
                headers[2] = ("Vary", f"Accept, {value}")
            else:
                headers.append((name, value))
        return "200 OK", headers, result.body


def _common_headers(app: Flask, origin: str | None) -> list[tuple[str, str]]:
    """The headers :func:`server.headers.common_headers` adds for ``origin``, found once per origin (they depend
    only on it and the configuration)."""
    known: dict[str | None, list[tuple[str, str]]] = extension_state(app).setdefault("sparql_common_headers", {})
    headers = known.get(origin)
    if headers is None:
        empty = Response()
        before = set(empty.headers.keys())
        headers = [(k, v) for k, v in common_headers(empty, origin).headers.items() if k not in before]
        if len(known) < 256:  # origins are chosen by clients
            known[origin] = headers
    return headers


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def _short_message(query: str, failure: HTTPError) -> str:
    """The message for ``failure``: for a syntax error caused by an undeclared prefix, one short line saying
    where, which prefix and how to declare it, instead of the parser's list of expected characters."""
    if failure.status != 400 or "Prefix not found" not in failure.message:
        return failure.message
    from kg.query_text import prefix_hint

    hint = prefix_hint(query)
    if not hint:
        return failure.message
    where = re.search(r"error at (\d+:\d+)", failure.message)
    return f"query syntax error at {where.group(1)}: {hint}" if where else f"query syntax error: {hint}"


def describe_endpoint() -> Response:
    """The Service Description in the negotiated RDF format (Turtle when nothing else is acceptable)."""
    fmt = _format_parameter({k: request.args.getlist(k) for k in request.args})
    try:
        media_type = choose_formats(request.headers.get("Accept"), fmt)[1]
        body, etag = service_description.service_description(current_app, media_type)
    except UnknownFormat as exc:
        return error_response(400, str(exc))
    except HTTPError as exc:
        return error_response(exc.status, exc.message, exc.headers)
    response = Response(body, content_type=content_type(media_type))
    response.headers["Vary"] = "Accept"
    response.set_etag(etag)
    response.headers["Cache-Control"] = "public, no-cache"
    response.make_conditional(request)
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
        response = current_app.make_response(view())  # type: ignore[arg-type]
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


@bp.route("/sparql/prefixes")
def prefixes() -> Response:
    """The prefixes declared for every query, as JSON ``{name: namespace}`` (the form prefix.cc uses, so the
    query UI's autocompletion reads it)."""
    response = Response(json.dumps(QUERY_PREFIXES, indent=1) + "\n", mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.route("/sparql", methods=["PUT", "DELETE", "PATCH"], strict_slashes=False, endpoint="other_methods")
def other_methods() -> Response:
    """Methods the protocol does not define for queries: 405 with ``Allow``."""
    message = f"{request.method} is not allowed on the SPARQL endpoint; use GET or POST (queries only)"
    return error_response(405, message, {"Allow": ALLOWED_METHODS})


def preflight() -> Response:
    """Answer a CORS preflight (the origin headers are added by :func:`server.cors.add_cors_headers`)."""
    response = Response(status=204)
    response.headers["Allow"] = ALLOWED_METHODS
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    requested = request.headers.get("Access-Control-Request-Headers", "")
    names = [h.strip() for h in requested.split(",") if h.strip()]
    safe = [h for h in names if all(c.isalnum() or c in "-_" for c in h)]
    response.headers["Access-Control-Allow-Headers"] = ", ".join(safe) if safe else "Accept, Content-Type"
    response.headers["Access-Control-Max-Age"] = "86400"
    return response


def init_app(app: Flask) -> None:
    """Register ``/sparql`` and give the app its query pool."""
    from . import query_exec

    query_exec.init_app(app)
    app.register_blueprint(bp)
