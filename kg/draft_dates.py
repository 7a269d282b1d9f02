"""Dates in a sentence at their true precision: absolute ("in March 2012", "from 2014") and relative to the
publication date ("last week", "in March this year", "on Friday") or to the date stated before ("a year later").

The wordings of relative expressions and how each resolves are in ``kg/lexicon/dates.yaml``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from .records import PartialDate


@dataclass(frozen=True)
class FoundDate:
    """A date expression: where it is, the date it resolves to (None when it cannot be resolved), and how.

    ``reason`` is None for a date the text states; otherwise it says what the date was worked out from.
    """

    start: int
    end: int
    surface: str
    date: PartialDate | None
    reason: str | None


def parse_issued(value: str) -> PartialDate:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as a date at that precision; raises ``ValueError`` if invalid."""
    match = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a date of the form YYYY, YYYY-MM or YYYY-MM-DD")
    year = int(match[1])  # the year group is not optional
    month, day = (int(g) if g else None for g in match.groups()[1:])
    dt.date(year, month or 1, day or 1)  # raises ValueError for 2012-13 or 2012-02-30
    return PartialDate(year, month, day)


def _coarsest(date: dt.date, precision: str, reference: PartialDate) -> PartialDate:
    """``date`` at ``precision``, never finer than the reference date it was worked out from."""
    if precision == "day" and reference.day is not None:
        return PartialDate(date.year, date.month, date.day)
    if precision in ("day", "month") and reference.month is not None:
        return PartialDate(date.year, date.month)
    return PartialDate(date.year)


def _shift(date: PartialDate, shift: dict[str, int]) -> dt.date:
    day = dt.date(date.year, date.month or 1, date.day or 1)
    months = shift.get("months", 0) + 12 * shift.get("years", 0)
    if months:
        index = day.year * 12 + day.month - 1 + months
        day = day.replace(year=index // 12, month=index % 12 + 1, day=min(day.day, 28))
    return day + dt.timedelta(days=shift.get("days", 0) + 7 * shift.get("weeks", 0))


class DateFinder:
    """Finds the dates of sentences, given the lexicon (``rules['dates']``) and the publication date."""

    def __init__(self, rules: dict[str, Any], issued: PartialDate | None) -> None:
        self.issued = issued
        months = [str(m) for m in rules["months"]]
        abbreviations = [str(m) for m in rules.get("month_abbreviations", [])]
        self.month_number = {m: i + 1 for i, m in enumerate(months)}
        self.month_number.update({m: i + 1 for i, m in enumerate(abbreviations)})
        self.weekdays = [str(d) for d in rules["weekdays"]]
        month = "(?P<month>" + "|".join(sorted(self.month_number, key=len, reverse=True)) + r")\.?"
        year = r"(?P<year>(?:19|20)\d\d)(?!\d|s\b|['’]s)"
        day = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
        self.absolute = [
            re.compile(rf"\b{day} {month},? {year}", re.IGNORECASE),
            re.compile(rf"\b{month} {day},? {year}", re.IGNORECASE),
            re.compile(rf"\b{month},? (?:of )?{year}", re.IGNORECASE),
            re.compile(rf"(?<![\d.,$€£¥]){year}"),
        ]
        self.month_this_year = re.compile(rf"\b{month} (?P<which>this|last|next) year\b", re.IGNORECASE)
        self.bare_month = re.compile(
            rf"\b(?:in|since|until|from) {month}(?! \d| of \d|,? (?:19|20)\d\d)\b", re.IGNORECASE
        )
        self.weekday = re.compile(r"\b(?:on|last) (?P<weekday>" + "|".join(self.weekdays) + r")\b", re.IGNORECASE)
        self.relative = [(re.compile(str(r["pattern"]), re.IGNORECASE), r) for r in rules.get("relative", [])]

    def find(self, sentence: str, previous: PartialDate | None) -> list[FoundDate]:
        """The dates of ``sentence`` in text order; ``previous`` is the last date stated before it."""
        found: list[FoundDate] = []
        taken: list[tuple[int, int]] = []

        def free(m: re.Match[str]) -> bool:
            return all(m.end() <= a or m.start() >= b for a, b in taken)

        def add(m: re.Match[str], date: PartialDate | None, reason: str | None) -> None:
            taken.append((m.start(), m.end()))
            found.append(FoundDate(m.start(), m.end(), m.group(), date, reason))

        for m in self.month_this_year.finditer(sentence):
            if self.issued is None:
                add(m, None, f"'{m.group()}' needs the publication date (--issued)")
                continue
            year = self.issued.year + {"this": 0, "last": -1, "next": 1}[m.group("which").lower()]
            add(
                m,
                PartialDate(year, self.month_number[m.group("month").lower()]),
                f"'{m.group()}' in an article of {self.issued.isoformat()}",
            )
        for pattern in self.absolute:
            for m in pattern.finditer(sentence):
                if not free(m):
                    continue
                groups = m.groupdict()
                month = self.month_number[groups["month"].lower()] if groups.get("month") else None
                day = int(groups["day"]) if groups.get("day") else None
                try:
                    dt.date(int(groups["year"]), month or 1, day or 1)
                except ValueError:
                    continue
                add(m, PartialDate(int(groups["year"]), month, day), None)
        for pattern, rule in self.relative:
            for m in pattern.finditer(sentence):
                if free(m):
                    add(m, *self._relative(m.group(), rule, previous))
        for m in self.bare_month.finditer(sentence):
            if free(m):
                add(m, *self._bare_month(m))
        for m in self.weekday.finditer(sentence):
            if free(m):
                add(m, *self._weekday(m))
        return sorted(found, key=lambda f: f.start)

    def _relative(
        self, surface: str, rule: dict[str, Any], previous: PartialDate | None
    ) -> tuple[PartialDate | None, str]:
        shift = {str(k): int(v) for k, v in (rule.get("shift") or {}).items()}
        precision = str(rule.get("precision", "year"))
        if rule.get("rule") == "after_previous":
            if previous is None:
                return None, f"'{surface}': no earlier date in the text to count from"
            date = _shift(previous, shift)
            return _coarsest(date, precision, previous), f"'{surface}' than {previous.isoformat()}"
        if self.issued is None:
            return None, f"'{surface}' needs the publication date (--issued)"
        date = _shift(self.issued, shift)
        return _coarsest(date, precision, self.issued), f"'{surface}' in an article of {self.issued.isoformat()}"

    def _bare_month(self, m: re.Match[str]) -> tuple[PartialDate | None, str]:
        month = self.month_number[m.group("month").lower()]
        if self.issued is None:
            return None, f"'{m.group()}' (no year) needs the publication date (--issued)"
        if self.issued.month is None:
            return PartialDate(self.issued.year, month), f"'{m.group()}' (no year) in an article of {self.issued.year}"
        year = self.issued.year if month <= self.issued.month else self.issued.year - 1
        return PartialDate(
            year, month
        ), f"'{m.group()}' (no year): the last {m.group('month')} before an article of {self.issued.isoformat()}"

    def _weekday(self, m: re.Match[str]) -> tuple[PartialDate | None, str]:
        if self.issued is None or self.issued.day is None:
            return None, f"'{m.group()}' needs a publication date with its day (--issued YYYY-MM-DD)"
        issued = dt.date(self.issued.year, self.issued.month or 1, self.issued.day)  # a day implies its month
        wanted = self.weekdays.index(m.group("weekday").lower())
        back = (issued.weekday() - wanted) % 7
        if m.group().lower().startswith("last") and back == 0:
            back = 7
        day = issued - dt.timedelta(days=back)
        return PartialDate(day.year, day.month, day.day), (
            f"'{m.group()}': the {m.group('weekday')} on or before {issued.strftime('%A')} {issued.isoformat()}"
        )
