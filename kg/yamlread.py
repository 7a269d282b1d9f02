"""Reading YAML with every value's location, collecting every problem instead of stopping at the first."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError

from .errors import AnnotationError
from .iris import SLUG
from .records import Loc, PartialDate

DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DECIMAL = re.compile(r"^\d+(\.\d+)?$")


class _TextDates(RoundTripConstructor):
    """Keeps dates as written (``2012-02-30`` must reach our own check as text, not crash the loader)."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


@dataclass
class Reference:
    """A slug that must name an entity of ``kind``; checked once every file is read."""

    kind: str
    slug: str
    loc: Loc


Converter = Callable[["Reader", Any, Loc], Any]


@dataclass(frozen=True)
class Field:
    convert: Converter
    required: bool = False


class Reader:
    """Reads one YAML file; problems accumulate in ``errors``, references to check in ``references``."""

    def __init__(self, path: Path, display: str | None = None) -> None:
        self.path = path
        self.name = display or str(path)
        self.errors: list[AnnotationError] = []
        self.references: list[Reference] = []

    def load(self) -> Any:
        """The parsed document, or None (with an error recorded) when it is not valid YAML."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            self.errors.append(AnnotationError(self.name, 1, 1, f"not UTF-8: {exc.reason}"))
            return None
        try:
            yaml = YAML(typ="rt", pure=True)
            yaml.Constructor = _TextDates
            return yaml.load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            self.errors.append(AnnotationError(self.name, line, col, f"YAML syntax: {problem}"))
            return None

    def error(self, loc: Loc, message: str) -> None:
        self.errors.append(AnnotationError(loc.path, loc.line, loc.col, message))

    def loc(self, node: Any, key: Any = None, index: int | None = None, value: bool = True) -> Loc:
        """The location of ``node[key]`` (its value, or its key when ``value`` is false) or ``node[index]``."""
        lc = getattr(node, "lc", None)
        if lc is None:
            return Loc(self.name, 1, 1)
        if key is not None:
            try:
                line, col = lc.value(key) if value else lc.key(key)
            except (KeyError, TypeError):
                line, col = lc.line, lc.col
        elif index is not None:
            line, col = lc.item(index)
        else:
            line, col = lc.line, lc.col
        return Loc(self.name, line + 1, col + 1)

    def mapping(self, node: Any, loc: Loc, spec: dict[str, Field], what: str) -> dict[str, Any] | None:
        """Check ``node`` against ``spec`` and convert each value; None when ``node`` is not a mapping."""
        if not isinstance(node, CommentedMap):
            self.error(loc, f"{what}: expected a mapping of keys to values")
            return None
        out: dict[str, Any] = {}
        for key in node:
            if key not in spec:
                allowed = ", ".join(spec)
                self.error(self.loc(node, key, value=False), f"{what}: unknown key '{key}' (allowed: {allowed})")
        for key, field in spec.items():
            if key not in node or node[key] is None:
                if field.required:
                    self.error(loc, f"{what}: missing required key '{key}'")
                continue
            out[key] = field.convert(self, node[key], self.loc(node, key))
        return out


def text(reader: Reader, value: Any, loc: Loc) -> str | None:
    if isinstance(value, str) and value.strip():
        return str(value)
    reader.error(loc, f"expected a non-empty text, got {value!r}")
    return None


def slug_of(kind: str) -> Converter:
    """A converter for one slug naming an entity of ``kind`` (recorded for the reference check)."""

    def convert(reader: Reader, value: Any, loc: Loc) -> str | None:
        if not isinstance(value, str) or not SLUG.match(value):
            reader.error(loc, f"'{value}' is not a valid id (lower-case letters, digits and '-')")
            return None
        if kind:
            reader.references.append(Reference(kind, value, loc))
        return value

    return convert


def slugs_of(kind: str) -> Converter:
    """A converter for one slug or a list of them."""
    one = slug_of(kind)

    def convert(reader: Reader, value: Any, loc: Loc) -> list[str]:
        if isinstance(value, CommentedSeq):
            items = [one(reader, v, reader.loc(value, index=i)) for i, v in enumerate(value)]
        else:
            items = [one(reader, value, loc)]
        return [s for s in items if s is not None]

    return convert


def choice(allowed: tuple[str, ...], what: str) -> Converter:
    def convert(reader: Reader, value: Any, loc: Loc) -> str | None:
        if value not in allowed:
            reader.error(loc, f"unknown {what} '{value}' (one of: {', '.join(allowed)})")
            return None
        return str(value)

    return convert


def date(reader: Reader, value: Any, loc: Loc) -> PartialDate | None:
    """A date at its written precision: 2014, 2012-03 or 2012-06-29; impossible dates are errors."""
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    raw = str(value) if isinstance(value, (int, str)) else ""
    match = DATE.match(raw)
    if not match:
        reader.error(loc, f"'{value}' is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        dt.date(year, month or 1, day or 1)  # type: ignore[arg-type]
    except ValueError as exc:
        reader.error(loc, f"impossible date '{raw}': {exc}")
        return None
    return PartialDate(year, month, day)  # type: ignore[arg-type]


def decimal(reader: Reader, value: Any, loc: Loc) -> str | None:
    raw = str(value)
    if isinstance(value, bool) or not DECIMAL.match(raw):
        reader.error(loc, f"'{value}' is not a non-negative decimal number")
        return None
    return raw
