"""One error shape for every 4xx/5xx response of the application.

JSON (``{"ok": false, "status": 400, "error": "Bad Request", "message": "..."}``) when the client accepts
``application/json`` (or any ``+json`` type) before plain text, otherwise ``text/plain`` with the message. The
status phrase comes from the HTTP standard; the message says what went wrong in words a user can act on.
"""

from __future__ import annotations

import json
from http import HTTPStatus

from flask import Flask, Response, has_request_context, request
from werkzeug.exceptions import HTTPException

from .httperror import HTTPError
from .negotiation import negotiate

_JSON_TYPES = ["application/json", "application/sparql-results+json", "application/ld+json"]


_FROM_REQUEST = "from the request"


def error_response(
    status: int, message: str, headers: dict[str, str] | None = None, accept: str | None = _FROM_REQUEST
) -> Response:
    """Return a response with ``status`` and ``message`` in the shape the client accepts (JSON or text).

    ``accept`` is the request's ``Accept`` header, read from Flask's current request when not given."""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    if accept is _FROM_REQUEST:
        accept = request.headers.get("Accept") if has_request_context() else None
    wants_json = False
    if accept:
        chosen = negotiate(accept, ["text/plain", *_JSON_TYPES])
        wants_json = chosen is not None and chosen != "text/plain"
    if wants_json:
        payload = {"ok": False, "status": status, "error": phrase, "message": message}
        body = json.dumps(payload, ensure_ascii=False)
        response = Response(body + "\n", status=status, mimetype="application/json")
    else:
        response = Response(f"{status} {phrase}: {message}\n", status=status, mimetype="text/plain")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _handle_http_exception(exc: HTTPException) -> Response:
    response = error_response(exc.code or 500, exc.description or exc.name)
    if exc.code == 405:
        allow = exc.get_headers()
        for name, value in allow:
            if name.lower() == "allow":
                response.headers["Allow"] = value
    return response


def _handle_error(exc: HTTPError) -> Response:
    return error_response(exc.status, exc.message, exc.headers)


def init_app(app: Flask) -> None:
    """Make every ``HTTPException`` (404, 405, ...) and :class:`HTTPError` raised by any blueprint use
    :func:`error_response`."""
    app.register_error_handler(HTTPException, _handle_http_exception)
    app.register_error_handler(HTTPError, _handle_error)
