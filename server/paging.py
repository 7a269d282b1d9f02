"""Paginated lists: one ``?page=N`` parser and one ``Page`` shape for every list a page shows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from flask import request
from werkzeug.exceptions import BadRequest, NotFound

MAX_PAGE = 1_000_000


@dataclass(frozen=True)
class Page:
    """Page ``number`` (from 1) of ``total`` items, ``size`` per page; ``param`` is its query parameter."""

    number: int
    size: int
    total: int
    param: str = "page"

    @property
    def offset(self) -> int:
        """How many items come before this page."""
        return (self.number - 1) * self.size

    @property
    def last(self) -> int:
        """The number of the last page (1 when there are no items)."""
        return max(math.ceil(self.total / self.size), 1)

    @property
    def first_item(self) -> int:
        """The position (from 1) of the page's first item, 0 when there are none."""
        return self.offset + 1 if self.total else 0

    @property
    def last_item(self) -> int:
        """The position of the page's last item."""
        return min(self.offset + self.size, self.total)

    def as_json(self) -> dict[str, Any]:
        """The paging facts for JSON answers."""
        return {"page": self.number, "per_page": self.size, "total": self.total, "pages": self.last}


def page_number(param: str = "page") -> int:
    """The page asked for by ``?<param>=N`` (1 when absent); 400 when it is not a positive whole number."""
    raw = request.args.get(param, "1")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise BadRequest(f"?{param}= must be a page number from 1 to {MAX_PAGE}, not {raw[:40]!r}")
    return int(raw)


def paginate(total: int, size: int, param: str = "page") -> Page:
    """The ``Page`` asked for by the request over ``total`` items; 404 past the last page."""
    page = Page(page_number(param), size, total, param)
    if page.number > page.last:
        raise NotFound(f"There is no page {page.number} here: the list has {page.last} page(s) of {size}.")
    return page


def json_requested() -> bool:
    """True when the client asks for the list as JSON (``Accept`` preferring ``application/json`` to HTML, or
    ``?format=json``); HTML otherwise."""
    from .negotiation import negotiate

    if request.args.get("format") == "json":
        return True
    return negotiate(request.headers.get("Accept"), ["text/html", "application/json"]) == "application/json"
