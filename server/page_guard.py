"""What every page request gets: a deadline, and cache validators from the build it was rendered from.

The deadline (``PAGE_TIMEOUT`` seconds, as ``/sparql`` has ``QUERY_TIMEOUT``) is checked while pages read the
store (``KGView``) and while SQLite runs the index's statements; past it the request ends with a 503 and a
message, so no page can hold a server thread for long.

Pages change only when a build replaces the store, so their ``ETag`` is derived from the build's identity, the
URL and the ``Accept`` header (pages are negotiated), and a matching ``If-None-Match`` is answered with 304
before any page work. ``Cache-Control`` lets caches keep a page for ``PAGE_MAX_AGE`` seconds.

For the same reason the app keeps rendered pages under that key (at most ``PAGE_CACHE_BYTES``, least recently
used dropped first) and answers a repeated page without rendering it again. At most ``PAGE_CONCURRENCY`` pages
render at once (by default the number of cores): page work is Python work that holds the interpreter, and a
flood of page loads must leave room for ``/sparql`` and the other requests; a page that cannot start before its
deadline is answered with 503.
"""

from __future__ import annotations

import hashlib
import sqlite3
import threading
import time

from flask import Flask, Response, current_app, g, has_request_context, request

from .answer_cache import AnswerCache
from .errors import error_response
from .store import build_identity

CACHED_BLUEPRINTS = {"pages", "linked_data", "browse", "search", "releases", "ontology"}
CHECK_EVERY = 1000  # SQLite virtual machine steps between deadline checks


class PageTimeout(Exception):
    """A page did not finish before its deadline."""


def deadline() -> float | None:
    """The monotonic time at which the current request's page work must stop, or ``None``."""
    return g.get("page_deadline") if has_request_context() else None


def check_deadline(limit: float | None) -> None:
    """Raise :class:`PageTimeout` when ``limit`` (a monotonic time) has passed."""
    if limit is not None and time.monotonic() > limit:
        raise PageTimeout


def bound_sqlite(db: sqlite3.Connection) -> None:
    """Make ``db`` abandon any statement still running at the request's deadline."""
    limit = deadline()
    if limit is not None:
        db.set_progress_handler(lambda: int(time.monotonic() > limit), CHECK_EVERY)


def build_token() -> str:
    """Which build is served (``server.store.build_identity``)."""
    return str(build_identity(current_app))


def page_etag() -> str:
    """The entity tag of the current page request: the build, the URL and the negotiated ``Accept``."""
    token = build_token()
    if (request.endpoint or "").startswith("releases."):  # a release is recorded just after its build is current
        releases = current_app.extensions["autoalliance_pages"]["releases_index"]()
        token += f"-{releases.stat().st_mtime_ns if releases.exists() else 0}"
    key = "\n".join((token, request.full_path, request.headers.get("Accept", "")))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _cached(endpoint: str | None) -> bool:
    if not endpoint:
        return False
    return endpoint.split(".", 1)[0] in CACHED_BLUEPRINTS and request.method in ("GET", "HEAD")


def _state() -> dict:
    return current_app.extensions.setdefault("autoalliance_pages", {})


def start_page() -> Response | None:
    """Before a page: set its deadline; answer 304 when the client holds the current version, or the rendered
    page when the app holds it; otherwise wait for a render slot (503 when none frees before the deadline)."""
    timeout = float(current_app.config["PAGE_TIMEOUT"])
    g.page_deadline = time.monotonic() + timeout
    if not _cached(request.endpoint):
        return None
    etag = page_etag()
    if request.if_none_match and request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        response.headers["Cache-Control"] = cache_control()
        response.vary.add("Accept")
        return response
    state = _state()
    # cached pages take a slot too: every page thread beyond the slots then sleeps instead of competing for the
    # interpreter with the rest of the server
    if not state["slots"].acquire(timeout=max(timeout, 0.0)):
        raise PageTimeout
    g.page_slot = True
    hit = state["rendered"].get(build_token(), etag)
    if hit is not None:
        g.page_cached = True
        status, headers, body = hit
        return Response(body, status=status, headers=headers)
    return None


def release_slot(_: BaseException | None = None) -> None:
    """Free the request's render slot."""
    if g.pop("page_slot", False):
        _state()["slots"].release()


def cache_control() -> str:
    """The ``Cache-Control`` of pages."""
    return f"public, max-age={int(current_app.config['PAGE_MAX_AGE'])}"


def finish_page(response: Response) -> Response:
    """After a page: validators and caching for successful pages."""
    if _cached(request.endpoint) and response.status_code == 200 and not response.direct_passthrough:
        if "ETag" not in response.headers:
            response.set_etag(page_etag())
            if not response.is_streamed and not g.get("page_cached"):  # rendered here, not a file
                response.headers.setdefault("Cache-Control", cache_control())
                body = response.get_data()
                headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
                _state()["rendered"].put(build_token(), page_etag(), (200, headers, body), len(body))
        response.headers.setdefault("Cache-Control", cache_control())
    return response


def timeout_response(_: PageTimeout) -> Response:
    """A 503 saying the page took too long (the rest of the site goes on being served)."""
    response = error_response(
        503,
        f"This page took longer than {current_app.config['PAGE_TIMEOUT']:g} s to "
        "prepare and was stopped; try again later, or ask the SPARQL endpoint.",
    )
    response.headers["Retry-After"] = "5"
    return response


def sqlite_interrupted(exc: sqlite3.OperationalError) -> Response:
    """SQLite stopped by the deadline ("interrupted") is a timeout; anything else is re-raised."""
    if "interrupt" in str(exc):
        return timeout_response(PageTimeout())
    raise exc


def init_app(app: Flask) -> None:
    """Install the deadline, the validators and the 503 handler."""
    state = app.extensions.setdefault("autoalliance_pages", {})
    state["rendered"] = AnswerCache(int(app.config["PAGE_CACHE_BYTES"]))
    state["slots"] = threading.BoundedSemaphore(max(int(app.config["PAGE_CONCURRENCY"]), 1))
    app.before_request(start_page)
    app.after_request(finish_page)
    app.teardown_request(release_slot)
    app.register_error_handler(PageTimeout, timeout_response)
    app.register_error_handler(sqlite3.OperationalError, sqlite_interrupted)
