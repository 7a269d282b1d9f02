"""The fast way to read an annotation file that holds nothing unusual: libyaml's event parser (PyYAML's C
extension), about fifty times faster than ruamel.yaml's pure-Python round-trip loader.

It builds the very values ruamel.yaml's round-trip loader builds (``CommentedMap`` and ``CommentedSeq`` with the
line and column of every key, value and item; scalars resolved and constructed by ruamel.yaml's own YAML 1.2
resolver and the reader's constructor), so the rest of the reader cannot tell the two apart. Whatever it does not
handle (a syntax error, a tag, an alias, a duplicate key, a key that is not a scalar, several documents, nesting
deeper than the limit, a tab, an empty value) makes it give up and return :data:`SLOW`: the caller then reads
the text with ruamel.yaml, which reports the problem at its place, as before.
"""

from __future__ import annotations

from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import BaseConstructor
from ruamel.yaml.error import YAMLError as RuamelYAMLError
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import BaseResolver

SLOW = object()  # "read this text with ruamel.yaml"
_STR = "tag:yaml.org,2002:str"
_BLOCK_STYLES = frozenset("|>")


class _GiveUp(Exception):
    pass


class _Mark:
    """A position as ruamel.yaml's nodes carry it (0-based line and column)."""

    __slots__ = ("line", "column")

    def __init__(self, line: int, column: int) -> None:
        self.line = line
        self.column = column


class _Scalars:
    """ruamel.yaml's resolver and the reader's constructor, made once per process."""

    def __init__(self, constructor_class: type[BaseConstructor]) -> None:
        loader = YAML(typ="rt", pure=True)
        loader.Constructor = constructor_class
        self.resolver: BaseResolver = loader.resolver
        self.constructor: BaseConstructor = loader.constructor

    def value(self, event: Any) -> Any:
        """The value ruamel.yaml's round-trip loader makes of the scalar ``event``."""
        text = event.value
        style = event.style
        if not text and not style:
            raise _GiveUp  # an empty value: ruamel.yaml places it elsewhere (where the next token starts)
        if style is None or style == "":
            tag = self.resolver.resolve(ScalarNode, text, (True, False))
            if tag == _STR:
                return text
        elif style in _BLOCK_STYLES:
            tag = _STR
        else:
            return text  # a quoted scalar is a plain str
        mark = _Mark(event.start_mark.line, event.start_mark.column)
        node = ScalarNode(tag, text, start_mark=mark, end_mark=mark, style=style or None)
        try:
            return self.constructor.construct_object(node, deep=True)
        except (RuamelYAMLError, ValueError, TypeError) as exc:
            raise _GiveUp from exc


_SCALARS: dict[type[BaseConstructor], _Scalars] = {}


def load(text: str, constructor_class: type[BaseConstructor], max_depth: int) -> Any:
    """The document in ``text`` as ruamel.yaml's round-trip loader (with ``constructor_class``) reads it, or
    :data:`SLOW` when the text holds anything this reader leaves to ruamel.yaml."""
    scalars = _SCALARS.get(constructor_class)
    if scalars is None:
        scalars = _SCALARS[constructor_class] = _Scalars(constructor_class)
    if "\t" in text:
        return SLOW  # ruamel.yaml refuses tabs in places where libyaml takes them
    try:
        return _build(yaml.parse(text, Loader=yaml.CSafeLoader), scalars, max_depth)
    except (_GiveUp, yaml.YAMLError, RecursionError):
        return SLOW


def _build(events: Any, scalars: _Scalars, max_depth: int) -> Any:
    documents = 0
    stack: list[tuple[Any, Any]] = []  # (container, pending key event or None)
    root: Any = None
    for event in events:
        kind = type(event)
        if kind is yaml.ScalarEvent or kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            if event.tag is not None or len(stack) + 2 > max_depth:  # ruamel.yaml counts the scalars' level too
                raise _GiveUp
            if kind is yaml.ScalarEvent:
                value: Any = scalars.value(event)
            elif kind is yaml.MappingStartEvent:
                value = CommentedMap()
            else:
                value = CommentedSeq()
            if kind is not yaml.ScalarEvent:
                value._yaml_set_line_col(event.start_mark.line, event.start_mark.column)
            if stack:
                _place(stack, value, event)
            else:
                root = value
            if kind is not yaml.ScalarEvent:
                stack.append((value, None))
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
        elif kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise _GiveUp
        elif kind is yaml.AliasEvent:
            raise _GiveUp
    return root


def _place(stack: list[tuple[Any, Any]], value: Any, event: Any) -> None:
    """Put ``value`` (made from ``event``) into the container on top of ``stack``."""
    container, key_event = stack[-1]
    mark = event.start_mark
    if isinstance(container, CommentedSeq):
        container._yaml_set_idx_line_col(len(container), [mark.line, mark.column])
        container.append(value)
    elif key_event is None:
        if type(event) is not yaml.ScalarEvent or value in container:  # a collection as key, a duplicate key
            raise _GiveUp
        try:
            hash(value)
        except TypeError:
            raise _GiveUp from None
        stack[-1] = (container, (value, mark))
    else:
        key, key_mark = key_event
        container._yaml_set_kv_line_col(key, [key_mark.line, key_mark.column, mark.line, mark.column])
        container[key] = value
        stack[-1] = (container, None)
