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
from ruamel.yaml.composer import Composer, ComposerError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import ScalarNode

from . import yamlfast
from .errors import AnnotationError
from .iris import SLUG
from .records import Loc, PartialDate

DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
DECIMAL = re.compile(r"^\d{1,30}(\.\d{1,30})?$")

#: Deepest nesting of lists and mappings accepted; the format needs 5 levels.
MAX_DEPTH = 40
#: Problems kept per file; the rest are counted, so a broken file cannot flood the output or the memory.
MAX_ERRORS_PER_FILE = 100


def shown(value: Any, limit: int = 60) -> str:
    """``value`` as a short text for a message: never the whole of a huge or deeply nested value."""
    if isinstance(value, (CommentedMap, dict)):
        return "a mapping"
    if isinstance(value, (CommentedSeq, list)):
        return "a list"
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 200:
        return "a very large number"
    text_ = repr(value) if not isinstance(value, str) else f"'{value}'"
    return text_ if len(text_) <= limit else text_[: limit - 4] + "...'"


class _TextDates(RoundTripConstructor):
    """Keeps dates as written (``2012-02-30`` must reach our own check as text, not crash the loader)."""


_TextDates.add_constructor("tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node))


def _bounded_int(loader: RoundTripConstructor, node: ScalarNode) -> Any:
    """An integer of at most 100 digits: longer ones are an error at their place (Python refuses > 4300 digits)."""
    if len(str(node.value)) > 100:
        raise ConstructorError(None, None, "integer of more than 100 digits", node.start_mark)
    return RoundTripConstructor.construct_yaml_int(loader, node)


_TextDates.add_constructor("tag:yaml.org,2002:int", _bounded_int)


class _PlainYAML(Composer):
    """Refuses aliases and explicit tags, at their place: the format needs neither; a few nested aliases expand
    to billions of values, and tags such as ``!!python/object`` ask for objects the format never holds."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.parser.peek_event()
        if isinstance(event, AliasEvent):
            raise ComposerError(None, None, "aliases (*name) are not allowed in annotation files", event.start_mark)
        tag = getattr(event, "tag", None)
        if tag is not None and str(getattr(tag, "value", tag) or ""):
            shown_tag = str(getattr(tag, "value", tag))[:60]
            raise ComposerError(None, None, f"tags ({shown_tag}) are not allowed in annotation files", event.start_mark)
        return super().compose_node(parent, index)


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

    def __init__(self, path: Path, display: str | None = None, max_bytes: int | None = None) -> None:
        self.path = path
        self.name = display or str(path)
        self.max_bytes = max_bytes
        self.errors: list[AnnotationError] = []
        self.references: list[Reference] = []
        self.suppressed = 0

    def load(self) -> Any:
        """The parsed document, or None (with an error recorded) when it is not valid YAML.

        Refused before parsing: a file over ``max_bytes`` and text that is not UTF-8. Refused while parsing:
        tags (``!foo``, ``!!python/object``), aliases, nesting deeper than ``MAX_DEPTH`` and integers too large to
        read; each as a located error, never an exception. A text with none of these is read by
        :mod:`kg.yamlfast` (libyaml), to the same values; any other by ruamel.yaml, which says where it fails.
        """
        text = read_text(self.path, self.name, self.errors, self.max_bytes)
        if text is None:
            return None
        if "\x00" in text:
            line = text.count("\n", 0, text.index("\x00")) + 1
            col = text.index("\x00") - (text.rfind("\n", 0, text.index("\x00")) + 1) + 1
            self.error(Loc(self.name, line, col), "YAML syntax: a NUL character is not allowed")
            return None
        fast = yamlfast.load(text, _TextDates, MAX_DEPTH)
        if fast is not yamlfast.SLOW:
            return fast
        yaml = YAML(typ="rt", pure=True)
        yaml.Constructor = _TextDates
        yaml.Composer = _PlainYAML
        yaml.max_depth = MAX_DEPTH
        try:
            return yaml.load(text)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
            problem = exc.problem or exc.context or "invalid YAML"
            if "maximum depth" in problem:
                problem = f"lists and mappings nested deeper than {MAX_DEPTH} levels"
            self.errors.append(AnnotationError(self.name, line, col, f"YAML syntax: {problem}"))
        except YAMLError as exc:  # the reader's errors (bad characters) carry a position but no mark
            line, col = _position(exc, text)
            self.errors.append(AnnotationError(self.name, line, col, f"YAML syntax: {_first_line(exc)}"))
        except RecursionError:
            self.errors.append(AnnotationError(self.name, 1, 1, f"YAML nesting deeper than {MAX_DEPTH} levels"))
        except ValueError as exc:  # int() refuses integers of more than 4300 digits
            self.errors.append(AnnotationError(self.name, 1, 1, f"YAML value not readable: {_first_line(exc)}"))
        return None

    def error(self, loc: Loc, message: str) -> None:
        if len(self.errors) >= MAX_ERRORS_PER_FILE:
            self.suppressed += 1
            return
        self.errors.append(AnnotationError(loc.path, loc.line, loc.col, message))

    def problems(self) -> list[AnnotationError]:
        """The problems kept, plus one that counts those left out."""
        if not self.suppressed:
            return list(self.errors)
        last = self.errors[-1]
        more = AnnotationError(
            last.path,
            last.line,
            last.col,
            f"... and {self.suppressed} more problem(s) in this file; fix these first",
            count=self.suppressed,
        )
        return [*self.errors, more]

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
                self.error(self.loc(node, key, value=False), f"{what}: unknown key {shown(key)} (allowed: {allowed})")
        for key, field in spec.items():
            if key not in node or node[key] is None:
                if field.required:
                    self.error(loc, f"{what}: missing required key '{key}'")
                continue
            out[key] = field.convert(self, node[key], self.loc(node, key))
        return out


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _position(exc: YAMLError, text: str) -> tuple[int, int]:
    """Line and column of a ruamel reader error (it has a character index into ``text``, not a mark)."""
    position = getattr(exc, "position", None)
    if not isinstance(position, int) or not 0 <= position <= len(text):
        return 1, 1
    return text.count("\n", 0, position) + 1, position - (text.rfind("\n", 0, position) + 1) + 1


def read_text(path: Path, display: str, errors: list[AnnotationError], max_bytes: int | None) -> str | None:
    """The UTF-8 text of ``path``, or None with a located error: too large, unreadable or not UTF-8."""
    try:
        size = path.stat().st_size
        if max_bytes is not None and size > max_bytes:
            errors.append(
                AnnotationError(
                    display,
                    1,
                    1,
                    f"file too large: {size} bytes, the limit is {max_bytes} "
                    "bytes (split it, or check that it is the right file)",
                )
            )
            return None
        data = path.read_bytes()
    except OSError as exc:
        errors.append(AnnotationError(display, 1, 1, f"cannot read: {exc.strerror or exc}"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        col = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        errors.append(AnnotationError(display, line, col, f"not UTF-8: {exc.reason} (byte 0x{data[exc.start]:02x})"))
        return None


def text(reader: Reader, value: Any, loc: Loc) -> str | None:
    if isinstance(value, str) and value.strip():
        return str(value)
    reader.error(loc, f"expected a non-empty text, got {shown(value)}")
    return None


def boolean(reader: Reader, value: Any, loc: Loc) -> bool | None:
    """``true`` or ``false``."""
    if isinstance(value, bool):
        return value
    reader.error(loc, f"expected true or false, got {shown(value)}")
    return None


def integer(low: int, high: int) -> Converter:
    """A converter for a whole number from ``low`` to ``high``."""

    def convert(reader: Reader, value: Any, loc: Loc) -> int | None:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        reader.error(loc, f"expected a whole number from {low} to {high}, got {shown(value)}")
        return None

    return convert


def slug_of(kind: str) -> Converter:
    """A converter for one slug naming an entity of ``kind`` (recorded for the reference check)."""

    def convert(reader: Reader, value: Any, loc: Loc) -> str | None:
        if not isinstance(value, str) or not SLUG.match(value) or len(value) > 200:
            reader.error(loc, f"{shown(value)} is not a valid id (lower-case letters, digits and '-')")
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
        if not isinstance(value, str) or value not in allowed:
            reader.error(loc, f"unknown {what} {shown(value)} (one of: {', '.join(allowed)})")
            return None
        return str(value)

    return convert


def date(reader: Reader, value: Any, loc: Loc) -> PartialDate | None:
    """A date at its written precision: 2014, 2012-03 or 2012-06-29; impossible dates are errors."""
    if isinstance(value, dt.date):
        return PartialDate(value.year, value.month, value.day)
    raw = value if isinstance(value, str) else str(value) if isinstance(value, int) and 0 <= value < 10**8 else ""
    match = DATE.match(raw)
    if not match:
        reader.error(loc, f"{shown(value)} is not a date: write YYYY, YYYY-MM or YYYY-MM-DD")
        return None
    year = int(match[1])  # DATE always captures the year
    month, day = (int(g) if g else None for g in match.groups()[1:])
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError as exc:
        reader.error(loc, f"impossible date '{raw}': {exc}")
        return None
    return PartialDate(year, month, day)


def decimal(reader: Reader, value: Any, loc: Loc) -> str | None:
    """A non-negative amount as its decimal text (at most 30 digits before and after the point)."""
    readable = isinstance(value, (int, float, str)) and not isinstance(value, bool)
    raw = str(value) if readable and not (isinstance(value, int) and value.bit_length() > 100) else ""
    if not DECIMAL.match(raw):
        reader.error(loc, f"{shown(value)} is not a non-negative decimal number")
        return None
    return raw
