"""The fast YAML reader (libyaml) gives what ruamel.yaml's round-trip loader gives, or leaves the text to it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from kg import yamlfast
from kg.config import PROJECT_ROOT
from kg.yamlread import MAX_DEPTH, Reader, _PlainYAML, _TextDates


def ruamel_load(text: str) -> Any:
    yaml = YAML(typ="rt", pure=True)
    yaml.Constructor = _TextDates
    yaml.Composer = _PlainYAML
    yaml.max_depth = MAX_DEPTH
    return yaml.load(text)


def assert_same(fast: Any, slow: Any, where: str = "$") -> None:
    """Equal values of the same types, with the same line and column for every key, value and item."""
    assert type(fast) is type(slow), f"{where}: {type(fast).__name__} != {type(slow).__name__}"
    if isinstance(fast, (CommentedMap, CommentedSeq)):
        assert (fast.lc.line, fast.lc.col) == (slow.lc.line, slow.lc.col), where
        assert fast.lc.data == slow.lc.data, where
        if isinstance(fast, CommentedMap):
            assert list(fast) == list(slow), where
            for key in fast:
                assert_same(fast[key], slow[key], f"{where}.{key}")
        else:
            assert len(fast) == len(slow), where
            for i, (a, b) in enumerate(zip(fast, slow, strict=True)):
                assert_same(a, b, f"{where}[{i}]")
    elif fast == fast:  # NaN is the one value unequal to itself
        assert fast == slow, where


SAME = {
    "scalars": "a: 1\nb: -2\nc: +3\nd: 0o17\ne: 0x1F\nf: 1_000\ng: 1.5\nh: .inf\ni: -.inf\nk: 1e3\nl: yes\n"
    "m: no\nn: on\no: True\np: FALSE\nq: null\nr: ~\nt: 2012-03-04\nu: 2012-02-30\nv: 2012-03\nw: '2012'\n"
    'x: "\\u00e9\\/"\ny: 012\nz: 0.\naa: 1:30\nab: 12345678901234567890123\n',
    "blocks": "a: |\n  line1\n  line2\n\nb: |-\n  x\nc: >\n  folded\n  text\n\n  para\nd: >+\n  keep\n\n"
    "e: plain\n  continued\n",
    "flow": "a: [1, 2, {b: c, d: [e, f]}]\nb: {x: 1, y: 'q'}\nc: []\nd: {}\n",
    "anchor without alias": "a: &x {b: 1}\nc: 2\n",
    "document markers": "---\na: 1\n...\n",
    "empty": "",
    "only a comment": "# nothing\n",
    "sequences": "- a\n- b: 1\n  c: [2]\n- - nested\n",
    "unicode": 'name: Société Générale\nquote: "Daimler’s “plan”"\n',
    "byte order mark": "\ufeffa: 1\n",
    "CRLF": "a: 1\r\nb:\r\n  - x\r\n",
    "indented sequence": "items:\n- a: 1\n  b: 2\n- a: 3\n",
    "comments": "a: 1 # c\n# x\nb: # y\n  - 2 # z\n",
    "quoted keys": "'a b': 1\n\"c\": 2\n",
    "nested 37 deep": "a: " + "[" * 37 + "]" * 37 + "\n",
}

LEFT_TO_RUAMEL = {
    "alias": "a: &x {b: 1}\nc: *x\n",
    "duplicate key": "a: 1\na: 2\n",
    "collection as key": "? [a, b]\n: 1\n",
    "two documents": "a: 1\n---\nb: 2\n",
    "explicit tag": "a: !!str 1\n",
    "local tag": "a: !foo x\n",
    "python tag": "a: !!python/object:os.system x\n",
    "tab": "a:\t1\n",
    "empty value": "a:\nb: 1\n",
    "too deep": "a: " + "[" * 45 + "]" * 45 + "\n",
    "huge integer": "a: " + "9" * 150 + "\n",
    "syntax error": "a: [1, 2\nb: 3\n",
    "control character": 'a: "x\x07y"\n',
}


@pytest.mark.parametrize("text", SAME.values(), ids=SAME.keys())
def test_same_values_and_places_as_ruamel(text: str) -> None:
    fast = yamlfast.load(text, _TextDates, MAX_DEPTH)
    assert fast is not yamlfast.SLOW
    assert_same(fast, ruamel_load(text))


@pytest.mark.parametrize("text", LEFT_TO_RUAMEL.values(), ids=LEFT_TO_RUAMEL.keys())
def test_unusual_texts_are_left_to_ruamel(text: str) -> None:
    assert yamlfast.load(text, _TextDates, MAX_DEPTH) is yamlfast.SLOW


def _files() -> list[Path]:
    roots = [PROJECT_ROOT / "seeds", PROJECT_ROOT / "tests" / "data"]
    return sorted(p for root in roots for p in root.rglob("*.yaml"))


@pytest.mark.parametrize("path", _files(), ids=lambda p: str(p.relative_to(PROJECT_ROOT)))
def test_every_annotation_file_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8", errors="replace")
    fast = yamlfast.load(text, _TextDates, MAX_DEPTH)
    if fast is yamlfast.SLOW:
        return  # read by ruamel.yaml, as before
    assert_same(fast, ruamel_load(text))


def test_reader_errors_still_come_from_ruamel_with_their_place(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("deals:\n  - id: a\n    id: b\n", encoding="utf-8")
    reader = Reader(path, "bad.yaml")
    assert reader.load() is None
    [error] = reader.errors
    assert (error.path, error.line) == ("bad.yaml", 3) and "duplicate" in error.message
