"""The query worker: a process that holds the store open read-only and answers one query at a time.

It checks the query (:mod:`server.query_check`), evaluates it and serializes the answer with pyoxigraph's own
serializers into a bounded buffer, then sends the whole answer in one message. The web process sends it on, so a
client that reads slowly never holds a worker. A worker runs under an address-space limit (``RLIMIT_AS``) and,
unless SERVICE is allow-listed, without Internet sockets. It imports only what evaluation needs: pyoxigraph, and
rdflib only for a query whose text contains the letters of SERVICE.
"""

from __future__ import annotations

import csv
import gc
import io
import logging
import pickle
import re
import resource
import threading
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .answers import PROLOGUE, QueryAnswer, QueryJob, TooLarge, answer_graph, xml_safe
from .httperror import HTTPError

__all__ = ["QueryAnswer", "QueryJob", "evaluate", "worker_main"]

_SELECT = re.compile(r"(?i:SELECT)\b")


class _BoundedSink(io.RawIOBase):
    """Collects what is written, refusing to grow past ``limit`` bytes. Wrapped in an ``io.BufferedWriter``, so
    pyoxigraph's many small writes reach Python once per 64 KiB."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.parts: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        size = len(data)
        if self.size + size > self.limit:
            raise TooLarge
        self.parts.append(bytes(data))
        self.size += size
        return size


def _dataset_options(job: QueryJob) -> dict[str, Any]:
    options: dict[str, Any] = {}
    try:
        if job.default_graphs is not None:
            options["default_graph"] = [ox.NamedNode(g) for g in job.default_graphs]
        if job.named_graphs is not None:
            options["named_graphs"] = [ox.NamedNode(g) for g in job.named_graphs]
    except ValueError as exc:
        raise HTTPError(400, f"invalid graph IRI: {exc}") from None
    if job.union_default_graph and "default_graph" not in options and "named_graphs" not in options:
        options["use_default_graph_as_union"] = True
    return options


def _count_rows(body: bytes, media_type: str) -> int:
    """How many solutions a pyoxigraph results serialization holds, read from its bytes."""
    if media_type == "application/sparql-results+xml":
        return body.count(b"<result>")  # "<" is always escaped inside values
    if media_type == "text/tab-separated-values":
        return body.count(b"\n") - 1  # newlines in values are escaped
    if media_type == "text/csv":
        return sum(1 for _ in csv.reader(io.StringIO(body.decode("utf-8"), newline=""))) - 1
    parsed = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
    return 0 if isinstance(parsed, ox.QueryBoolean) else sum(1 for _ in parsed)


def _serialize_solutions(solutions: ox.QuerySolutions, job: QueryJob, media_type: str) -> bytes:
    sink = _BoundedSink(job.max_bytes)
    with io.BufferedWriter(sink, buffer_size=64 * 1024) as buffered:
        solutions.serialize(buffered, format=ox.QueryResultsFormat.from_media_type(media_type))
        buffered.flush()
    return b"".join(sink.parts)


def _select(store: ox.Store, query: str, options: dict[str, Any]) -> ox.QuerySolutions:
    result = store.query(query, **options)
    if not isinstance(result, ox.QuerySolutions):
        raise HTTPError(400, "the query is not a SELECT query")
    return result


def _limited(store: ox.Store, job: QueryJob, options: dict[str, Any], limit: int) -> ox.QuerySolutions | None:
    """Evaluate the SELECT ``job.query`` with at most ``limit`` solutions, or None when no limit can be added.

    A LIMIT is appended; a query with its own LIMIT (or a trailing VALUES) is wrapped as a sub-select keeping
    its projection; a query with FROM cannot be wrapped.
    """
    try:
        return _select(store, f"{job.query}\nLIMIT {limit}", options)
    except SyntaxError:
        pass  # the query has a LIMIT (or a trailing VALUES) of its own
    prologue = PROLOGUE.match(job.query)
    end = prologue.end() if prologue else 0
    body = job.query[end:]
    if not _SELECT.match(body):
        return None
    variables = _select(store, job.query, options).variables  # evaluation is lazy: this only parses
    projection = " ".join(str(v) for v in variables) or "*"
    wrapped = f"{job.query[:end]}SELECT {projection} WHERE {{\n{body}\n}} LIMIT {limit}"
    try:
        return _select(store, wrapped, options)
    except SyntaxError:
        return None


def _answer_solutions(
    store: ox.Store, job: QueryJob, options: dict[str, Any], solutions: ox.QuerySolutions
) -> QueryAnswer:
    """Serialize ``solutions`` (the evaluation of ``job.query``) natively into the bounded buffer; only when the
    answer has more than ``max_rows`` rows or bytes is the query evaluated again, cut at ``max_rows``. (A LIMIT
    is not added up front: Oxigraph sizes ORDER BY's top-k buffer by it, which made small queries slower.)"""
    media = job.results_type
    if media is None:
        raise HTTPError(406, "none of the accepted media types fits this result; results are JSON, XML, CSV or TSV")
    try:
        body = _serialize_solutions(solutions, job, media)
        rows = _count_rows(body, media)
        if rows <= job.max_rows:
            return QueryAnswer("solutions", media, rows, False, body)
    except TooLarge:
        pass
    cut = _limited(store, job, options, job.max_rows)
    if cut is None:  # a query with FROM and a LIMIT of its own cannot be wrapped
        raise HTTPError(
            413, f"the answer has more than {job.max_rows} rows or {job.max_bytes // 1_048_576} MiB; add a LIMIT"
        )
    body = _serialize_solutions(cut, job, media)
    return QueryAnswer("solutions", media, _count_rows(body, media), True, body)


def evaluate(store: ox.Store, job: QueryJob) -> QueryAnswer:
    """Check, evaluate and serialize ``job``. Raises :class:`HTTPError`: 400 for a refused or invalid query,
    406 when no acceptable format fits the result, 413 when the answer passes ``job.max_bytes``, 503 when the
    evaluation runs out of memory."""
    from .query_check import check_query

    check_query(job.query, dict(job.prefixes), job.service_allowlist)
    options = _dataset_options(job)
    try:
        try:
            result = store.query(job.query, **options)
        except SyntaxError as exc:
            if "Prefix not found" not in str(exc) or not job.prefixes:
                raise
            # the predeclared prefixes cost a millisecond per parse: given only to queries that need them
            options["prefixes"] = dict(job.prefixes)
            result = store.query(job.query, **options)
        if isinstance(result, ox.QuerySolutions):
            answer = _answer_solutions(store, job, options, result)
        elif isinstance(result, ox.QueryBoolean):
            if job.results_type is None:
                raise HTTPError(
                    406, "none of the accepted media types fits this result; booleans are JSON, XML, CSV or TSV"
                )
            body = result.serialize(format=ox.QueryResultsFormat.from_media_type(job.results_type)) or b""
            answer = QueryAnswer("boolean", job.results_type, 1, False, body)
        else:
            answer = answer_graph(result, job)
    except SyntaxError as exc:
        raise HTTPError(400, f"query syntax error: {exc}") from None
    except TooLarge:
        raise HTTPError(
            413, f"the answer is larger than {job.max_bytes // 1_048_576} MiB; add a LIMIT or select fewer variables"
        ) from None
    except MemoryError:
        raise HTTPError(503, "the query used too much memory and was stopped; simplify it or add a LIMIT") from None
    except (OSError, RuntimeError, ValueError, TypeError) as exc:  # e.g. an unknown function
        raise HTTPError(400, f"the query could not be evaluated: {exc}") from None
    return xml_safe(answer)


def _preload_parser() -> None:
    from .query_check import service_targets

    try:
        service_targets("ASK { SERVICE <http://example.org/> {} }", {})
    except HTTPError:
        pass
    gc.freeze()  # rdflib's parser is a large heap that lives as long as the worker: out of the collector's way


def worker_main(conn: Connection, store_path: str, deny_network: bool, memory_limit: int) -> None:
    """Entry point of a worker process: limit its memory, drop Internet sockets, open the store, then answer
    jobs (one ``("ok", QueryAnswer)`` or ``("failed", status, message)`` message each) until ``None``."""
    if memory_limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    if deny_network:
        from .sandbox import deny_internet_sockets

        deny_internet_sockets()
    try:
        path = Path(store_path)
        if not (path / "CURRENT").exists():
            raise FileNotFoundError
        store = ox.Store.read_only(str(path))
    except (OSError, MemoryError) as exc:  # the reason (paths, RocksDB details) is for the log, not for clients
        logging.getLogger("autoalliance.query").warning("a query worker cannot open the store: %s", exc)
        conn.send(("failed", 503, "the knowledge graph is not available yet; try again shortly"))
        return
    gc.set_threshold(10_000, 20, 20)  # fewer collections of the young objects each query leaves
    conn.send(("ready",))
    # rdflib's SPARQL parser (for queries that may hold SERVICE) loads beside the first jobs, not before them
    threading.Thread(target=_preload_parser, name="preload-parser", daemon=True).start()
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        if job is None:
            return
        try:
            message: tuple[Any, ...] = ("ok", evaluate(store, job))
        except HTTPError as exc:
            message = ("failed", exc.status, exc.message)
        try:
            conn.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))  # cheaper than Connection.send
        except (OSError, MemoryError):
            return
