"""An external SPARQL 1.1 store as the server's query backend (``autoalliance serve --store URL``).

The same contract as the embedded backend (:class:`server.query_exec.QueryPool`): ``execute(job)`` takes a query
that :mod:`server.query_check` has already accepted and returns a :class:`~server.query_exec.ResultHead` and the
body in chunks, or raises :class:`~server.query_exec.QueryFailed`. The query goes to the store's query endpoint
through the SPARQL Protocol (never to its update endpoint, and without credentials), with the store's own time
limit where it has one (Virtuoso's ``timeout``). The answer is read in a format this module parses as a stream
(SPARQL XML results, N-Triples), at most ``max_rows + 1`` rows and ``max_bytes`` bytes of it and only until the
time limit, then written in the client's format by the same writers as the embedded backend, so both backends
answer byte for byte alike. :meth:`RemoteBackend.query` returns pyoxigraph objects, as ``Store.query`` does, for
the pages.

Store quirks handled here: Virtuoso's default graph also holds its own system graphs (excluded with its
``input:default-graph-exclude`` pragma); it answers ASK with a one-row table; when its time limit strikes it may
send a partial "anytime" result (``X-SQL-State`` header, or status 206), which is refused as a timeout rather than
shown as complete; Oxigraph's server needs ``union-default-graph`` to query the union of the graphs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from itertools import islice
from typing import Any

import pyoxigraph as ox
import requests

from kg.iris import GRAPH
from kg.remote_store import RemoteStore, endpoints_for, split_credentials

from .query_exec import OX_RESULTS, QueryFailed, QueryJob, ResultHead
from .rdf_formats import BY_MEDIA_TYPE, serialize
from .results import write_solutions

RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
CHUNK_SIZE = 64 * 1024
_FORM = re.compile(
    r"^(?:\s+|#[^\n]*(?:\n|$)|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of an already checked query, read after its prologue."""
    match = _FORM.match(query)
    if not match:
        raise QueryFailed(400, "the query form (SELECT, ASK, CONSTRUCT, DESCRIBE) was not found after the prologue")
    return match.group(1).upper()


class _BoundedReader:
    """A file-like view of a response body that stops at ``max_bytes`` (``cut``) and past ``deadline``."""

    def __init__(self, raw: Any, max_bytes: int, deadline: float) -> None:
        self.raw = raw
        self.left = max_bytes
        self.deadline = deadline
        self.cut = False
        self.late = False

    def read(self, size: int = -1) -> bytes:
        if time.monotonic() > self.deadline:
            self.late = True
            raise TimeoutError("the time limit was reached while reading the answer")
        if self.left <= 0:
            self.cut = True
            return b""
        size = self.left if size is None or size < 0 else min(size, self.left)
        data = self.raw.read(size)
        self.left -= len(data)
        return data


_EMPTY = ox.Store()
_TRUE, _FALSE = _EMPTY.query("ASK {}"), _EMPTY.query("ASK { FILTER(false) }")


class RemoteBackend:
    """Queries answered by an external store, with this server's bounds.

    ``timeout`` (seconds) bounds each query from sending it to the last byte read, and is passed to the store
    where it has a parameter for it; ``max_rows`` and ``max_bytes`` bound what is read of one answer (a longer
    answer is cut at a row boundary and marked truncated).
    """

    def __init__(self, store: RemoteStore, timeout: float = 30.0, max_rows: int = 100_000,
                 max_bytes: int = 64 * 1024 * 1024) -> None:
        self.store = store
        self.timeout = timeout
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.store.session.headers["Accept-Encoding"] = "identity"  # the byte bound applies to what is read
        self._excluded: list[str] | None = None

    @classmethod
    def from_url(cls, url: str, kind: str, **limits: Any) -> RemoteBackend:
        """A backend for the store of ``kind`` at ``url``. Credentials in the URL are dropped: it only reads."""
        url, _, _ = split_credentials(url)
        return cls(RemoteStore(endpoints_for(kind, url), timeout=float(limits.get("timeout", 30.0))), **limits)

    def close(self) -> None:
        """Close the connections to the store."""
        self.store.close()

    # ------------------------------------------------------------ what is sent

    def _excluded_graphs(self) -> list[str]:
        """Virtuoso's own graphs (anything not under the project's graph namespace), once per backend."""
        if self._excluded is None:
            rows = self.store.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", timeout=self.timeout)
            self._excluded = sorted(r["g"] for r in rows if "g" in r and not r["g"].startswith(str(GRAPH)))
        return self._excluded

    def _text(self, query: str) -> str:
        if self.store.endpoints.kind != "virtuoso":
            return query
        pragmas = "".join(f"DEFINE input:default-graph-exclude <{g}>\nDEFINE input:named-graph-exclude <{g}>\n"
                          for g in self._excluded_graphs())
        return pragmas + query

    def _params(self, job: QueryJob) -> dict[str, Any]:
        params: dict[str, Any] = self.store.query_params(self.timeout)
        if job.default_graphs is not None or job.named_graphs is not None or not job.union_default_graph:
            for key in self.store.endpoints.union_params:
                params.pop(key, None)
        if job.default_graphs:
            params["default-graph-uri"] = list(job.default_graphs)
        if job.named_graphs:
            params["named-graph-uri"] = list(job.named_graphs)
        return params

    def _send(self, job: QueryJob, accept: str, deadline: float) -> requests.Response:
        try:
            text = self._text(job.query)
            response = self.store.session.post(
                self.store.endpoints.query, data={"query": text}, params=self._params(job),
                headers={"Accept": accept}, stream=True, timeout=(min(5.0, self.timeout), self.timeout),
            )
        except requests.Timeout:
            raise QueryFailed(503, self._late()) from None
        except (requests.RequestException, OSError) as exc:
            raise QueryFailed(502, f"the SPARQL store could not be reached: {type(exc).__name__}") from None
        if response.status_code == 206 or response.headers.get("X-SQL-State"):
            response.close()  # Virtuoso's partial "anytime" answer: incomplete, so never passed on as a result
            raise QueryFailed(503, self._late())
        if response.status_code >= 400:
            message = response.text.strip()[:500]
            response.close()
            if response.status_code in (400, 413):
                raise QueryFailed(400, f"the SPARQL store refused the query: {message}")
            if response.status_code in (408, 503, 504) or time.monotonic() > deadline:
                raise QueryFailed(503, self._late())
            raise QueryFailed(502, f"the SPARQL store failed ({response.status_code}): {message}")
        return response

    def _late(self) -> str:
        return f"the query was stopped at the time limit of {self.timeout:g} s; simplify it or add a LIMIT"

    # ------------------------------------------------------------ what comes back

    def _read(self, job: QueryJob, form: str) -> tuple[str, Any, bool]:
        """("solutions", (variables, rows)) or ("boolean", bool) or ("graph", triples), and whether it was cut."""
        deadline = time.monotonic() + self.timeout
        graph = form in ("CONSTRUCT", "DESCRIBE")
        response = self._send(job, N_TRIPLES if graph else RESULTS_XML, deadline)
        reader = _BoundedReader(response.raw, self.max_bytes, deadline)
        items: list[Any] = []
        variables: list[str] = []
        try:
            if graph:
                quads = ox.parse(reader, format=ox.RdfFormat.N_TRIPLES)
                items.extend(q.triple for q in islice(quads, self.max_rows + 1))
                return "graph", self._bounded(items), reader.cut or len(items) > self.max_rows
            result = ox.parse_query_results(reader, format=ox.QueryResultsFormat.XML)
            if isinstance(result, ox.QueryBoolean):
                return "boolean", bool(result), False
            variables = [v.value for v in result.variables]
            items.extend(list(solution) for solution in islice(result, self.max_rows + 1))
            if form == "ASK":  # Virtuoso answers ASK with a table of one row (true) or none (false)
                return "boolean", bool(items), False
            return "solutions", (variables, self._bounded(items)), reader.cut or len(items) > self.max_rows
        except Exception as exc:  # the reader's own stop comes back through the parser as any exception
            if reader.late:
                raise QueryFailed(503, self._late()) from None
            if reader.cut and items:  # the byte bound fell inside a row: keep the complete rows before it
                if graph:
                    return "graph", self._bounded(items), True
                return "solutions", (variables, self._bounded(items)), True
            raise QueryFailed(502, f"the SPARQL store sent an answer that could not be read: {exc}") from None
        finally:
            response.close()

    def _bounded(self, items: list[Any]) -> list[Any]:
        return items[: self.max_rows]

    def execute(self, job: QueryJob, form: str | None = None) -> tuple[ResultHead, Iterator[bytes]]:
        """Run ``job`` on the store; return the result head and the body in chunks, in ``job``'s media type.

        ``form`` is the query form when the caller knows it (``QueryFacts.form``). Raises :class:`QueryFailed`:
        400 when the store refuses the query, 406 when no acceptable format fits the result, 502 when the store
        fails or cannot be reached, 503 at the time limit.
        """
        form = form or query_form(job.query)
        graph = form in ("CONSTRUCT", "DESCRIBE")
        media = job.graph_type if graph else job.results_type
        if media is None:
            offered = "Turtle, N-Triples, JSON-LD, RDF/XML" if graph else "JSON, XML, CSV, TSV"
            raise QueryFailed(406, f"none of the accepted media types fits this result; offered: {offered}")
        kind, value, truncated = self._read(job, form)
        if kind == "boolean":
            body = (_TRUE if value else _FALSE).serialize(format=OX_RESULTS[media])
            return ResultHead(kind, media, 1, False), iter([body])
        if kind == "graph":
            data = serialize(value, BY_MEDIA_TYPE[media], dict(job.prefixes))
            return ResultHead(kind, media, len(value), truncated), iter([data])
        variables, rows = value
        return ResultHead(kind, media, len(rows), truncated), _chunks(write_solutions(media, variables, rows))

    def query(self, query: str, form: str | None = None) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run ``query`` over the union of the graphs, like ``Store.query(..., use_default_graph_as_union=True)``:
        solutions, a boolean, or (for CONSTRUCT and DESCRIBE) a list of triples. Raises :class:`QueryFailed`."""
        form = form or query_form(query)
        job = QueryJob(query=query, results_type=RESULTS_XML, graph_type=N_TRIPLES, max_rows=self.max_rows)
        if form in ("CONSTRUCT", "DESCRIBE"):
            return self._read(job, form)[1]
        head, body = self.execute(job, form)
        return ox.parse_query_results(b"".join(body), format=ox.QueryResultsFormat.XML)


def _chunks(pieces: Iterator[str]) -> Iterator[bytes]:
    buffer: list[str] = []
    size = 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= CHUNK_SIZE:
            yield "".join(buffer).encode("utf-8")
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer).encode("utf-8")
