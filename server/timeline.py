"""A timeline of deals, each drawn at the precision of its date: a year as a year-wide bar, a month as a
month-wide bar, a day as a tick."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .page_data import DateValue, Link, date_value

if TYPE_CHECKING:
    from collections.abc import Callable

CHAR_WIDTH = 6.6  # average width of a label character at the timeline's 11px font, for the layout


@dataclass(frozen=True)
class TimelineDeal:
    """A deal as the timeline shows it: its link, kind and status."""

    link: Link
    kind: str
    status: str


@dataclass(frozen=True)
class TimelineItem:
    """One deal on the timeline, at ``x`` with ``width`` in lane ``lane``."""

    row: TimelineDeal
    date: DateValue
    x: float
    width: float
    lane: int
    label_end: bool = False  # the label ends at the bar (it would overflow the drawing otherwise)


@dataclass(frozen=True)
class Timeline:
    """Items in lanes, year ticks (the start of each year) and labels (the middle of each year), and the
    drawing's size."""

    items: list[TimelineItem]
    years: list[tuple[int, float]]
    year_labels: list[tuple[int, float]]
    width: int
    height: int
    lane_height: int = 22
    top: int = 30


def _span(date: DateValue) -> tuple[float, float]:
    """The start and end of the date in fractional years."""
    parts = date.lexical.split("-")
    year = int(parts[0])
    if date.precision == "year" or len(parts) < 2:
        return year, year + 1
    month = int(parts[1])
    if date.precision == "month" or len(parts) < 3:
        return year + (month - 1) / 12, year + month / 12
    day = int(parts[2][:2])
    start = year + (month - 1) / 12 + (day - 1) / 365
    return start, start + 1 / 365


def timeline_deals(
    deals: list[dict[str, str]], link_of: Callable[[str, str], Link]
) -> list[tuple[TimelineDeal, DateValue]]:
    """The site data's dated deals (``kg.sitedata.timeline_data``) as timeline entries."""
    import pyoxigraph as ox

    entries = []
    for deal in deals:
        date = date_value(
            ox.Literal(deal["date"], datatype=ox.NamedNode(deal["datatype"]))
            if deal["datatype"]
            else ox.Literal(deal["date"])
        )
        if date:
            entries.append((TimelineDeal(link_of(deal["iri"], deal["label"]), deal["kind"], deal["status"]), date))
    return entries


def build_timeline(dated: list[tuple[TimelineDeal, DateValue]], width: int = 900) -> Timeline:
    """Lay out dated deals; each lane holds items whose labels do not overlap."""
    spans = []
    for row, date in dated:
        try:
            spans.append((row, date, *_span(date)))
        except ValueError:
            continue
    if not spans:
        return Timeline([], [], [], width, 60)
    first = int(min(s[2] for s in spans))
    last = max(math.ceil(max(s[3] for s in spans)), first + 1)  # the end of the last year with a deal
    scale = (width - 40) / max(last - first, 1)
    lanes: list[list[tuple[float, float]]] = []  # the spans each lane already holds, label included
    items = []
    for row, date, start, end in sorted(spans, key=lambda s: (s[2], s[0].link.label)):
        x = 20 + (start - first) * scale
        w = max((end - start) * scale, 3.0)
        label = len(row.link.label) * CHAR_WIDTH + 8
        label_end = x + label > width
        left, right = (min(x, x + w - label), x + w) if label_end else (x, x + max(w, label))
        lane = next((i for i, taken in enumerate(lanes) if all(b <= left or a >= right for a, b in taken)), len(lanes))
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append((left, right))
        items.append(TimelineItem(row, date, round(x, 1), round(w, 1), lane, label_end))
    years = [(y, round(20 + (y - first) * scale, 1)) for y in range(first, last + 1)]
    # each year is labelled in the middle of its span, so the last label stays inside the drawing
    labels = [(y, round(20 + (y - first + 0.5) * scale, 1)) for y in range(first, last)]
    return Timeline(items, years, labels, width, 30 + 22 * len(lanes) + 10)


@dataclass(frozen=True)
class YearBar:
    """The deals whose first date falls in ``year``: a bar of height ``height`` at ``x``."""

    year: int
    count: int
    x: float
    width: float
    height: float


def per_year_bars(years: list[list[int]], width: int = 900, height: int = 160) -> list[YearBar]:
    """Bars of deals per year (``kg.sitedata.timeline_data``'s ``years``), for graphs with many deals."""
    if not years:
        return []
    first, last = years[0][0], years[-1][0]
    slot = (width - 40) / (last - first + 1)
    top = max(count for _, count in years)
    return [
        YearBar(
            year,
            count,
            round(20 + (year - first) * slot + 1, 1),
            round(max(slot - 2, 1), 1),
            round((height - 40) * count / top, 1),
        )
        for year, count in years
    ]
