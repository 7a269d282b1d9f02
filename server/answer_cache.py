"""SPARQL queries answered before Flask sees the request: repeated ones from memory, per build, the others by
:func:`server.sparql.answer_query_request` (the endpoint's own protocol handling without Flask's dispatch).

The data changes only when a build lands, so a ``/sparql`` request seen before (the same method, query string,
body, ``Accept`` and ``Origin``) gets the same answer: :class:`RepeatedQueries` keeps the bytes of every
successful answer (bounded by total size, least recently used first out) and empties the cache when the build
identity changes. Conditional requests (``If-None-Match``) go on to Flask, which answers 304 from the ETag.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from flask import Flask

V = TypeVar("V")
StartResponse = Callable[..., Any]
WSGIApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class AnswerCache(Generic[V]):
    """A byte-bounded LRU map from request keys to answers of one build identity."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[V, int]] = OrderedDict()
        self._bytes = 0
        self._identity: object = None
        self._lock = threading.Lock()

    def get(self, identity: object, key: Hashable) -> V | None:
        """The answer stored for ``key`` under build ``identity``, or ``None``."""
        with self._lock:
            if identity != self._identity:
                return None
            item = self._items.get(key)
            if item is None:
                return None
            self._items.move_to_end(key)
            return item[0]

    def put(self, identity: object, key: Hashable, value: V, size: int) -> None:
        """Keep ``value`` (``size`` bytes) for ``key``; a new ``identity`` first empties the cache."""
        if size > self.max_bytes // 8:  # a few large answers must not evict every small one
            return
        with self._lock:
            if identity != self._identity:
                self._items.clear()
                self._bytes = 0
                self._identity = identity
            if key in self._items:
                return
            self._items[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped

    def __len__(self) -> int:
        return len(self._items)


Answer = tuple[str, tuple[tuple[str, str], ...], bytes]  # only strings: the collector soon stops tracking it


class RepeatedQueries:
    """WSGI middleware in front of the Flask app: repeated ``/sparql`` queries answered from memory."""

    def __init__(self, app: Flask, wsgi_app: WSGIApp) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.cache: AnswerCache[Answer] = AnswerCache(int(app.config["ANSWER_CACHE_BYTES"]))
        self.max_body = 4 * int(app.config["MAX_QUERY_LENGTH"]) + 4096
        self.store_path: str | None = None  # known once the app is configured

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD")
        if (
            environ.get("PATH_INFO") != "/sparql"
            or method not in ("GET", "POST")
            or "HTTP_IF_NONE_MATCH" in environ
            or "HTTP_IF_MODIFIED_SINCE" in environ
        ):
            return self.wsgi_app(environ, start_response)
        body = b""
        if method == "POST":
            try:
                length = int(environ.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return self.wsgi_app(environ, start_response)
            if not 0 < length <= self.max_body:
                return self.wsgi_app(environ, start_response)
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        from .query_exec import current_identity

        if self.store_path is None:
            from .store import store_path

            self.store_path = str(store_path(self.app))
        identity = current_identity(self.store_path)
        key = (
            method,
            environ.get("QUERY_STRING", ""),
            environ.get("CONTENT_TYPE", ""),
            body,
            environ.get("HTTP_ACCEPT", ""),
            environ.get("HTTP_ORIGIN", ""),
        )
        hit = self.cache.get(identity, key)
        if hit is not None:
            status, kept, payload = hit
            start_response(status, list(kept))  # WSGI wants a list
            return [payload]
        from .sparql import answer_query_request

        answered = answer_query_request(self.app, environ, identity)
        if answered is None:  # not a query: the Service Description, the UI...
            environ["wsgi.input"] = io.BytesIO(body)
            return self.wsgi_app(environ, start_response)
        status, headers, payload = answered
        start_response(status, headers)
        if status.startswith("200 ") and any(name == "X-Result-Rows" for name, _ in headers):
            self.cache.put(identity, key, (status, tuple(headers), payload), len(payload) + len(body) + 512)
        return [payload]
