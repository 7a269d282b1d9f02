"""The one exception type for a request the server answers with an error status (no Flask import: the query
workers raise it too)."""

from __future__ import annotations


class HTTPError(Exception):
    """A request answered with ``status`` and ``message`` (and extra ``headers``, e.g. ``Retry-After``)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    def __reduce__(self) -> tuple[type[HTTPError], tuple[int, str, dict[str, str]]]:
        return (HTTPError, (self.status, self.message, self.headers))
