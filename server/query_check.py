"""What the endpoint must know about a query's text before running it: its form, SERVICE calls, dataset clauses.

The scan masks everything that cannot hold a keyword (strings, comments, IRIs, variables, language tags and the
local part of prefixed names) and then looks at what is left. It errs on the side of finding a keyword: a word
that merely contains ``service`` outside those places counts as a SERVICE call. The text is scanned both as sent
and with its ``\\u``/``\\U`` escapes decoded, since SPARQL allows escapes anywhere in a query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib.plugins.sparql.algebra import translateQuery
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue
from rdflib.term import URIRef

QUERY_FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")
UPDATE_KEYWORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

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


class QueryRefused(Exception):
    """A query the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class QueryFacts:
    """What the scan found: the query form (or update keyword), SERVICE occurrences, FROM clauses."""

    form: str | None = None
    services: int = 0
    has_from: bool = False
    words: list[str] = field(default_factory=list)


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


def _scan(text: str) -> QueryFacts:
    words = keyword_words(text)
    facts = QueryFacts(words=words)
    facts.services = sum(1 for w in words if "SERVICE" in w.upper())
    facts.has_from = "FROM" in words
    skip = 0
    for word in words:
        if skip:
            skip -= 1
        elif word in ("PREFIX", "BASE"):
            skip = 1 if word == "PREFIX" else 0  # the prefix name follows PREFIX; IRIs are not words
        elif not word.endswith(":"):
            facts.form = word
            break
    return facts


def analyze(query: str) -> QueryFacts:
    """Scan ``query`` (as sent and with escapes decoded) and return the combined :class:`QueryFacts`."""
    raw = _scan(query)
    decoded = _scan(decode_escapes(query)) if "\\" in query else raw
    return QueryFacts(
        form=decoded.form or raw.form,
        services=max(raw.services, decoded.services),
        has_from=raw.has_from or decoded.has_from,
        words=decoded.words,
    )


def undeclared_prefixes(query: str) -> list[str]:
    """Return the prefixes (``aa:``) that ``query`` uses without a PREFIX declaration, in order of first use."""
    words = keyword_words(decode_escapes(query))
    declared = {words[i + 1] for i, word in enumerate(words[:-1]) if word == "PREFIX"}
    used = [w for w in words if w.endswith(":") and w not in declared]
    return list(dict.fromkeys(used))


def prefix_hint(query: str) -> str:
    """Say which prefixes ``query`` uses undeclared and the PREFIX line to add for each; "" when none."""
    from kg.iris import PREFIXES

    hints = []
    for prefix in undeclared_prefixes(query):
        name = prefix[:-1]
        declaration = f"PREFIX {prefix} <{PREFIXES[name]}>" if name in PREFIXES else f"PREFIX {prefix} <...>"
        hints.append(f"undeclared prefix {prefix} (add `{declaration}`)")
    return "; ".join(hints)


def service_iris(query: str) -> list[URIRef | None]:
    """Return the target of every SERVICE in ``query`` as parsed by rdflib: an IRI, or ``None`` for a variable.

    Raises :class:`QueryRefused` (400) when rdflib cannot parse the query.
    """
    try:
        algebra = translateQuery(parseQuery(query)).algebra
    except Exception as exc:  # rdflib raises several unrelated types for bad input
        raise QueryRefused(400, f"SERVICE calls could not be checked: {exc}") from None
    found: list[URIRef | None] = []

    def walk(node: object) -> None:
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.append(term if isinstance(term, URIRef) else None)
            for value in node.values():
                walk(value)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value)

    walk(algebra)
    return found


def check_query(query: str, service_allowlist: list[str] | tuple[str, ...] = ()) -> QueryFacts:
    """Return the facts about ``query`` when the endpoint may run it.

    Raises :class:`QueryRefused`: 403 for an update, 400 for SERVICE to an IRI not on ``service_allowlist`` (or
    to a variable, or any SERVICE when the list is empty).
    """
    facts = analyze(query)
    if facts.form in UPDATE_KEYWORDS:
        raise QueryRefused(403, f"SPARQL Update ({facts.form}) is not accepted: this endpoint is read-only")
    if facts.services:
        if not service_allowlist:
            raise QueryRefused(400, "SERVICE (federated query) is not allowed on this endpoint")
        targets = service_iris(query)
        if len(targets) < facts.services:
            raise QueryRefused(400, "SERVICE is only allowed with an IRI on this endpoint's allow-list")
        for target in targets:
            if target is None:
                raise QueryRefused(400, "SERVICE with a variable is not allowed; name an allowed endpoint IRI")
            if str(target) not in service_allowlist:
                allowed = ", ".join(service_allowlist)
                raise QueryRefused(400, f"SERVICE <{target}> is not allowed; allowed: {allowed}")
    return facts
