"""Headers every response of the app carries, added by one hook: CORS (so browser tools can fetch the endpoint,
resource RDF, the VoID, the ontology and the dumps), ``X-Content-Type-Options: nosniff`` (so no text body is read
as HTML) and the dataset's licence as ``Link: <...>; rel="license"`` (kept beside the response's own links)."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

EXPOSED_HEADERS = (
    "X-Result-Truncated, X-Result-Row-Limit, X-Result-Rows, Content-Type, Content-Length, ETag, "
    "Link, Last-Modified, Content-Range, Accept-Ranges"
)


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


def add_common_headers(response: Response) -> Response:
    """Add CORS headers (credentials never allowed), ``nosniff`` and the licence link to ``response``."""
    return common_headers(response, request.headers.get("Origin"))


def common_headers(response: Response, origin: str | None) -> Response:
    """Add CORS headers for a request from ``origin``, ``nosniff`` and the licence link to ``response``."""
    value = allowed_origin(origin)
    if value is not None:
        response.headers["Access-Control-Allow-Origin"] = value
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        if value != "*":
            response.vary.add("Origin")
    response.headers.pop("Access-Control-Allow-Credentials", None)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    licence = f'<{current_app.config["DATASET_LICENSE"]}>; rel="license"'
    existing = response.headers.get("Link")
    response.headers["Link"] = f"{existing}, {licence}" if existing else licence
    return response


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app``, errors included."""
    app.after_request(add_common_headers)
