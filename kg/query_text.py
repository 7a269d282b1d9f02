"""Reading a SPARQL query's text without evaluating it: code-point escapes, bare words, undeclared prefixes.

Used to explain a syntax error in one short line (``undeclared prefix zz: (add `PREFIX zz: <...>`)``) by the
endpoint and by ``autoalliance query``. Nothing here decides whether a query may run: that is done on the parsed
query (``server.query_check``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .iris import QUERY_PREFIXES

_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VARIABLE = re.compile(r"[?$][\w\u00B7\u00C0-\U000EFFFF]*")
_LANGTAG = re.compile(r"@[A-Za-z]+(-[A-Za-z0-9]+)*")
_PN_LOCAL = re.compile(r"(?:[\w\-.:%\u00B7\u00C0-\U000EFFFF]|\\[_~.\-!$&'()*+,;=/?#@%])*")
_WORD = re.compile(r"[A-Za-z_\u00C0-\U000EFFFF][\w\-.\u00B7\u00C0-\U000EFFFF]*")
_STRING_END = {
    "'''": re.compile(r"(?:[^'\\]|\\.|'(?!''))*'''", re.S),
    '"""': re.compile(r'(?:[^"\\]|\\.|"(?!""))*"""', re.S),
    "'": re.compile(r"(?:[^'\\\n\r]|\\.)*'"),
    '"': re.compile(r'(?:[^"\\\n\r]|\\.)*"'),
}


def decode_escapes(text: str) -> str:
    """Return ``text`` with SPARQL's ``\\uXXXX`` and ``\\UXXXXXXXX`` code-point escapes decoded."""

    def replace(match: re.Match[str]) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except ValueError:
            return match.group(0)

    return _ESCAPE.sub(replace, text)


def keyword_words(text: str) -> list[str]:
    """Return the bare words of ``text`` outside strings, comments, IRIs, variables, language tags and the local
    parts of prefixed names, in order: keywords upper-cased, prefixed names as their prefix (``ex:``)."""
    words: list[str] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "#":
            while i < n and text[i] not in "\r\n":
                i += 1
        elif c in "'\"":
            opener = text[i : i + 3] if text[i : i + 3] in ("'''", '"""') else c
            match = _STRING_END[opener].match(text, i + len(opener))
            i = match.end() if match else n
        elif c == "<" and (iri := _IRIREF.match(text, i)):
            i = iri.end()
        elif c in "?$":
            i = _VARIABLE.match(text, i).end()  # type: ignore[union-attr]
        elif c == "@":
            lang = _LANGTAG.match(text, i)
            i = lang.end() if lang else i + 1
        elif c == ":" or _WORD.match(text, i):
            word = _WORD.match(text, i)
            end = word.end() if word else i
            if end < n and text[end] == ":":
                words.append(text[i:end] + ":")
                i = _PN_LOCAL.match(text, end + 1).end()  # type: ignore[union-attr]
            else:
                words.append(text[i:end].upper())
                i = end
        else:
            i += 1
    return words


def undeclared_prefixes(query: str, predeclared: Mapping[str, str] = QUERY_PREFIXES) -> list[str]:
    """Return the prefixes (``zz:``) that ``query`` uses without a PREFIX declaration and that are not among
    ``predeclared`` (name -> IRI), in order of first use."""
    words = keyword_words(decode_escapes(query))
    declared = {words[i + 1] for i, word in enumerate(words[:-1]) if word == "PREFIX"}
    declared |= {f"{name}:" for name in predeclared}
    used = [w for w in words if w.endswith(":") and w not in declared]
    return list(dict.fromkeys(used))


def prefix_hint(query: str, predeclared: Mapping[str, str] = QUERY_PREFIXES) -> str:
    """One short line naming the prefixes ``query`` uses undeclared and the PREFIX line to add; "" when none."""
    hints = []
    for prefix in undeclared_prefixes(query, predeclared):
        name = prefix[:-1]
        known = QUERY_PREFIXES.get(name)
        declaration = f"PREFIX {prefix} <{known}>" if known else f"PREFIX {prefix} <...>"
        hints.append(f"undeclared prefix {prefix} (add `{declaration}`)")
    return "; ".join(hints)
