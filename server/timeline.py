"""A timeline of deals, each drawn at the precision of its date: a year as a year-wide bar, a month as a
month-wide bar, a day as a tick."""

from __future__ import annotations

from dataclasses import dataclass

from .page_data import DateValue, DealRow

CHAR_WIDTH = 6.6  # average width of a label character at the timeline's 11px font, for the layout


@dataclass(frozen=True)
class TimelineItem:
    """One deal on the timeline, at ``x`` with ``width`` in lane ``lane``."""

    row: DealRow
    date: DateValue
    x: float
    width: float
    lane: int
    label_end: bool = False  # the label ends at the bar (it would overflow the drawing otherwise)


@dataclass(frozen=True)
class Timeline:
    """Items in lanes, year ticks and the drawing's size."""

    items: list[TimelineItem]
    years: list[tuple[int, float]]
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


def build_timeline(rows: list[DealRow], width: int = 900) -> Timeline:
    """Lay out the deals that have a date; each lane holds items whose labels do not overlap."""
    dated = [(row, row.first_date) for row in rows if row.first_date]
    spans = []
    for row, date in dated:
        try:
            spans.append((row, date, *_span(date)))  # type: ignore[arg-type]
        except ValueError:
            continue
    if not spans:
        return Timeline([], [], width, 60)
    first = int(min(s[2] for s in spans))
    last = int(max(s[3] for s in spans)) + 1
    scale = (width - 40) / max(last - first, 1)
    lanes: list[list[tuple[float, float]]] = []  # the spans each lane already holds, label included
    items = []
    for row, date, start, end in sorted(spans, key=lambda s: (s[2], s[0].link.label)):
        x = 20 + (start - first) * scale
        w = max((end - start) * scale, 3.0)
        label = len(row.link.label) * CHAR_WIDTH + 8
        label_end = x + label > width
        left, right = (min(x, x + w - label), x + w) if label_end else (x, x + max(w, label))
        lane = next((i for i, taken in enumerate(lanes) if all(b <= left or a >= right for a, b in taken)),
                    len(lanes))
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append((left, right))
        items.append(TimelineItem(row, date, round(x, 1), round(w, 1), lane, label_end))
    years = [(y, round(20 + (y - first) * scale, 1)) for y in range(first, last + 1)]
    return Timeline(items, years, width, 30 + 22 * len(lanes) + 10)
