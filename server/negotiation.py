"""HTTP content negotiation: choose a media type from an ``Accept`` header (RFC 9110, section 12.5.1)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MediaRange:
    """One element of an ``Accept`` header: ``type/subtype`` (either may be ``*``), q-value, position."""

    type: str
    subtype: str
    q: float
    position: int

    def specificity(self, media_type: str) -> int:
        """How closely this range matches ``media_type``: 2 exact, 1 ``type/*``, 0 ``*/*``, -1 no match."""
        mtype, _, msub = media_type.partition("/")
        if self.type == "*":
            return 0 if self.subtype == "*" else -1
        if self.type != mtype:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == msub else -1


def _parse_q(value: str) -> float:
    try:
        q = float(value)
    except ValueError:
        return 0.0
    return min(max(q, 0.0), 1.0)


def parse_accept(accept_header: str | None) -> list[MediaRange]:
    """Return the media ranges of ``accept_header`` in the order given; malformed elements are skipped.

    Media-type parameters other than ``q`` are ignored for matching; a missing ``q`` is 1.
    """
    ranges: list[MediaRange] = []
    for position, element in enumerate((accept_header or "").split(",")):
        parts = [p.strip() for p in element.split(";")]
        mtype, slash, msub = parts[0].lower().partition("/")
        if not slash or not mtype or not msub or (mtype == "*" and msub != "*"):
            continue
        q = 1.0
        for param in parts[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                q = _parse_q(value.strip())
                break  # parameters after q are accept-extensions, not media-type parameters
        ranges.append(MediaRange(mtype, msub, q, position))
    return ranges


def negotiate(accept_header: str | None, offered: list[str]) -> str | None:
    """Return the element of ``offered`` the client prefers, or ``None`` when it accepts none of them.

    Each offered type takes the q-value of the most specific range that matches it (``text/turtle`` beats
    ``text/*`` beats ``*/*``); q=0 means "not acceptable". Among equal q-values an exact match beats a
    wildcard one, then the earlier range in the header wins, then the earlier offered type. An absent or empty
    header (or one with no valid element) accepts anything, so the first offered type is returned.
    """
    if not offered:
        return None
    ranges = parse_accept(accept_header)
    if not ranges:
        return offered[0]
    best: tuple[float, int, int, int] | None = None
    chosen: str | None = None
    for index, media_type in enumerate(offered):
        normalized = media_type.split(";")[0].strip().lower()
        match: MediaRange | None = None
        match_spec = -1
        for r in ranges:
            spec = r.specificity(normalized)
            if spec > match_spec:
                match, match_spec = r, spec
        if match is None or match.q <= 0:
            continue
        key = (match.q, match_spec, -match.position, -index)
        if best is None or key > best:
            best, chosen = key, media_type
    return chosen


def prefers_html(accept_header: str | None) -> bool:
    """True when a browser asks: ``text/html`` named explicitly and preferred over RDF and result types."""
    ranges = parse_accept(accept_header)
    html = [r for r in ranges if r.specificity("text/html") == 2 and r.q > 0]
    if not html:
        return False
    offered = ["text/html", "text/turtle", "application/sparql-results+json"]
    return negotiate(accept_header, offered) == "text/html"
