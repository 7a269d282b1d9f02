"""Whether the endpoint may run a query, decided before evaluation: how deeply it nests, and where its SERVICE
calls go, read from the query's algebra as rdflib's SPARQL parser builds it (never from a hand-written lexer).

Runs in the query worker, under the request's deadline (rdflib's parser can be slow on large queries and is not
safe to run in several threads at once: a lock serializes it). The worker's sandbox (:mod:`server.sandbox`) is
the second line.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

import pyoxigraph as ox

from kg.query_text import decode_escapes

from .httperror import HTTPError

MAX_NESTING = 200  # group, parenthesis and bracket levels; Oxigraph's parser overflows its stack near 3,000
_SERVICE = re.compile("service", re.IGNORECASE)  # IGNORECASE also matches the long s (U+017F)
_STRING_OR_COMMENT = re.compile(
    r"'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^\"\\]|\\.|\"(?!\"\"))*\"\"\"|'(?:[^'\\\n\r]|\\.)*'"
    r"|\"(?:[^\"\\\n\r]|\\.)*\"|#[^\n\r]*",
    re.S,
)
_OPEN, _CLOSE = frozenset("{(["), frozenset("})]")
_PARSER_LOCK = threading.Lock()


def nesting_depth(query: str) -> int:
    """The deepest nesting of ``{``, ``(`` and ``[`` in ``query``, outside strings and comments."""
    depth = deepest = 0
    for char in _STRING_OR_COMMENT.sub(" ", query):
        if char in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
    return deepest


def check_nesting(query: str) -> None:
    """Refuse ``query`` with :class:`HTTPError` 400 when it nests deeper than :data:`MAX_NESTING` (deeper
    queries overflow the engine's parser stack and kill its process)."""
    if sum(map(query.count, _OPEN)) <= MAX_NESTING:
        return  # too few openings to nest that deep: no need to walk the text
    depth = nesting_depth(query)
    if depth > MAX_NESTING:
        raise HTTPError(400, f"the query nests {depth} levels deep; the limit is {MAX_NESTING}")


# the end of an IRI or of a prefixed name directly before "(": a call of a function named by IRI (or a predicate
# before a collection, a comparison with a parenthesis, text in a string: only the planner tells them apart)
_CALL = re.compile(r"(?:>|:[\w.\-]*)\s*\(")
_FORM = re.compile(r"(?i:SELECT|CONSTRUCT|DESCRIBE)\b")
_EMPTY: ox.Store | None = None


def check_functions(query: str, prefixes: Mapping[str, str]) -> None:
    """Refuse ``query`` with :class:`HTTPError` 400 when it calls a function the engine does not have (such a
    query used to kill the worker that evaluated it; it also costs a worker's time only to fail).

    Decided by Oxigraph itself, which refuses an unknown function while it plans the query, before evaluating
    anything: the query is planned over an empty in-memory store and never evaluated (only SELECT, CONSTRUCT and
    DESCRIBE, whose evaluation waits for the first result; an ASK is left to the worker). Only queries whose
    text has a call of a function named by IRI are planned here, so most queries cost one regular expression.
    """
    global _EMPTY
    if not _CALL.search(query):
        return
    from .answers import PROLOGUE

    prologue = PROLOGUE.match(query)
    if not _FORM.match(query, prologue.end() if prologue else 0):
        return
    if _EMPTY is None:
        _EMPTY = ox.Store()
    try:
        try:
            _EMPTY.query(query)
        except SyntaxError as exc:
            if "Prefix not found" not in str(exc) or not prefixes:
                return  # the worker answers syntax errors, with the same message as ever
            _EMPTY.query(query, prefixes=dict(prefixes))
    except SyntaxError:
        return
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # the worker's message for the same error
        raise HTTPError(400, f"the query could not be evaluated: {exc}") from None


def may_call_service(query: str) -> bool:
    """False only when ``query`` cannot contain the keyword SERVICE: the letters are nowhere in its text, as sent
    or with its ``\\u`` escapes decoded. A cheap filter that spares most queries the full parse."""
    return bool(_SERVICE.search(query) or ("\\" in query and _SERVICE.search(decode_escapes(query))))


def service_targets(query: str, prefixes: Mapping[str, str]) -> list[str | None]:
    """The target of every SERVICE in ``query`` (an IRI, or ``None`` for a variable), from rdflib's algebra.

    Raises :class:`HTTPError` (400) when rdflib cannot parse the query.
    """
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue
    from rdflib.term import URIRef

    try:
        with _PARSER_LOCK:  # pyparsing's packrat state is shared by the threads of a process
            algebra = translateQuery(parseQuery(query), initNs=dict(prefixes)).algebra
    except Exception as exc:  # rdflib raises several unrelated types for bad input
        raise HTTPError(400, f"the query could not be checked for SERVICE calls: {exc}") from None
    found: list[str | None] = []
    stack: list[object] = [algebra]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "ServiceGraphPattern":
                term = node.get("term")
                found.append(str(term) if isinstance(term, URIRef) else None)
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)):
            stack.extend(node)
    return found


def check_query(query: str, prefixes: Mapping[str, str] | None = None, service_allowlist: Iterable[str] = ()) -> None:
    """Refuse ``query`` with :class:`HTTPError` 400 when it nests deeper than :data:`MAX_NESTING` or calls a
    SERVICE that is not on ``service_allowlist`` (any SERVICE when the list is empty, a variable always)."""
    check_nesting(query)
    if not may_call_service(query):
        return
    allowed = set(service_allowlist)
    targets = service_targets(query, prefixes or {})
    for target in targets:
        if not allowed:
            raise HTTPError(400, "SERVICE (federated query) is not allowed on this endpoint")
        if target is None:
            raise HTTPError(400, "SERVICE with a variable is not allowed; name an allowed endpoint IRI")
        if target not in allowed:
            raise HTTPError(400, f"SERVICE <{target}> is not allowed; allowed: {', '.join(sorted(allowed))}")
