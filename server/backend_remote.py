"""An external SPARQL 1.1 store as the server's query backend (``autoalliance serve --store URL``).

The same contract as the embedded backend (:class:`server.query_exec.QueryPool`): ``execute(job, deadline)``
returns a :class:`~server.worker.QueryAnswer` or raises :class:`~server.httperror.HTTPError`. The query is checked
here as the workers check it (:func:`server.query_check.check_query`: nesting, SERVICE), then sent with the
project's prefixes declared to the store's query endpoint through the SPARQL Protocol (never to its update
endpoint, and without credentials), with the store's own time limit where it has one (Virtuoso's ``timeout``)
and a LIMIT of ``max_rows + 1`` where one can be added. The answer is read as SPARQL XML results or N-Triples, at
most ``max_bytes`` of it and only until the deadline, cut at ``max_rows``, and serialized by pyoxigraph in the
client's format exactly as the embedded workers do, so both backends answer byte for byte alike.

Store quirks handled here: Virtuoso's default graph also holds its own system graphs (excluded with its
``input:default-graph-exclude`` pragma, except in queries that name a graph, which it would then answer with
nothing); it labels blank nodes ``nodeID://b1`` (read as ``b1``); it answers ASK with a one-row table; when its
time limit strikes it may send a partial "anytime" answer (``X-SQL-State`` header, or status 206), which is
refused as a timeout rather than shown as complete; Oxigraph's server needs ``union-default-graph`` to query the
union of the graphs.

:meth:`RemoteBackend.query` answers the pages' own queries (:class:`server.backend_graph.RemoteGraph`) through the
same path, as pyoxigraph results.
"""

from __future__ import annotations

import re
import time
from typing import IO, Any, cast

import pyoxigraph as ox
import requests

from kg.iris import GRAPH
from kg.remote_store import RemoteStore, StoreError, endpoints_for, split_credentials

from .answers import PROLOGUE, QueryAnswer, QueryJob, TooLarge, answer_graph, xml_safe
from .httperror import HTTPError
from .query_check import check_query, may_call_service

RESULTS_XML = "application/sparql-results+xml"
N_TRIPLES = "application/n-triples"
_FORM = re.compile(
    r"^(?:\s+|#[^\n]*(?:\n|$)|BASE\s*<[^>]*>|PREFIX\s+[^\s:]*:\s*<[^>]*>)*(SELECT|ASK|CONSTRUCT|DESCRIBE)\b",
    re.IGNORECASE,
)
_END_OF_RESULT = b"</result>"
_VIRTUOSO_BNODE = re.compile(rb"<bnode>nodeID://")
# Virtuoso 7.2 answers nothing for GRAPH <iri> { ... } once any graph-exclude pragma is given: such queries are
# sent without them (their union patterns may then see Virtuoso's own graphs, which hold none of the project's
# terms). A false match (the words in a string) only costs the exclusion, never an answer.
_CONSTANT_GRAPH = re.compile(r"\bGRAPH\s*(?:<|[A-Za-z_][\w.-]*:|:)", re.IGNORECASE)
EMPTY_GRAPH = "urn:autoalliance:empty"  # a graph no store holds
DISCOVERY_TIMEOUT = 60.0
# The graphs outside the project's namespace. The filter is what makes this fast on Virtuoso: with it the plan
# reads the graph index (about 1 s over 10,003 graphs and 0.8M quads); without it, DISTINCT over every quad ran
# for minutes and stalled the first query of a server backed by a large store.
OTHER_GRAPHS = f'SELECT DISTINCT ?g WHERE {{ GRAPH ?g {{ ?s ?p ?o }} FILTER(!STRSTARTS(STR(?g), "{GRAPH}")) }}'


def query_form(query: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: the form of a query, read after its prologue. Raises 400 otherwise."""
    match = _FORM.match(query)
    if not match:
        raise HTTPError(400, "the query form (SELECT, ASK, CONSTRUCT, DESCRIBE) was not found after the prologue")
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
    """Queries answered by an external store, within this server's bounds (``timeout`` seconds per request, the
    job's ``max_rows`` and ``max_bytes``)."""

    def __init__(self, store: RemoteStore, timeout: float = 30.0) -> None:
        self.store = store
        self.timeout = timeout
        self.store.session.headers["Accept-Encoding"] = "identity"  # the byte bound applies to what is read
        self._excluded: list[str] | None = None

    @classmethod
    def from_url(cls, url: str, kind: str, timeout: float = 30.0) -> RemoteBackend:
        """A backend for the store of ``kind`` at ``url``. Credentials in the URL are dropped: it only reads."""
        url, _, _ = split_credentials(url)
        return cls(RemoteStore(endpoints_for(kind, url), timeout=max(timeout, DISCOVERY_TIMEOUT)), timeout)

    def start(self, wait: float = 0.0) -> None:
        """Learn what the first query needs (Virtuoso's own graphs) now rather than during a request; a store
        that cannot answer yet is asked again at the first query (``wait`` is unused: nothing is started)."""
        if self.store.endpoints.kind == "virtuoso":
            try:
                self._excluded_graphs()
            except HTTPError:
                pass

    def close(self) -> None:
        """Close the connections to the store."""
        self.store.close()

    # ------------------------------------------------------------ what is sent

    def _excluded_graphs(self) -> list[str]:
        """Virtuoso's own graphs (anything not under the project's graph namespace), once per backend."""
        if self._excluded is None:
            # once per backend, bounded by the HTTP time limit of the session (a minute at least), never by
            # Virtuoso's own timeout, whose "anytime" answer could list some graphs only
            try:
                rows = self.store.select(OTHER_GRAPHS)
            except StoreError as exc:
                raise HTTPError(502, f"the SPARQL store could not list its graphs: {exc}") from None
            self._excluded = sorted(r["g"] for r in rows if "g" in r)
        return self._excluded

    def _text(self, job: QueryJob, form: str) -> str:
        """The query as sent: Virtuoso's pragmas, the project's prefixes, the query, and a LIMIT of
        ``max_rows + 1`` for a SELECT where one can be added (the store then computes no more than that)."""
        query = job.query
        # Virtuoso refuses ORDER BY with a LIMIT above its MaxSortedTopRows (10,000 by default): there the reading
        # stops at max_rows + 1 and its own ResultSetMaxRows bounds the work
        if form == "SELECT" and self.store.endpoints.kind != "virtuoso":
            limited = f"{query}\nLIMIT {job.max_rows + 1}"
            try:
                _EMPTY.query(limited, prefixes=dict(job.prefixes))  # parsed only: evaluation is lazy
                query = limited
            except SyntaxError:
                pass  # it has a LIMIT of its own (or ends with VALUES): reading stops at max_rows + 1 instead
        declared = {
            name: iri for name, iri in job.prefixes if not re.search(rf"(?i:PREFIX)\s*{re.escape(name)}:", query)
        }
        end = PROLOGUE.match(query).end()  # type: ignore[union-attr]  # after BASE (Virtuoso wants it first)
        text = query[:end] + "".join(f"\nPREFIX {name}: <{iri}>" for name, iri in declared.items()) + "\n" + query[end:]
        if self.store.endpoints.kind == "virtuoso" and not _CONSTANT_GRAPH.search(query):
            text = (
                "".join(
                    f"DEFINE input:default-graph-exclude <{g}>\nDEFINE input:named-graph-exclude <{g}>\n"
                    for g in self._excluded_graphs()
                )
                + text
            )
        return text

    def _params(self, job: QueryJob, seconds: float) -> dict[str, Any]:
        params: dict[str, Any] = self.store.query_params(seconds)
        if job.default_graphs is not None or job.named_graphs is not None or not job.union_default_graph:
            for key in self.store.endpoints.union_params:
                params.pop(key, None)
        if job.default_graphs:
            params["default-graph-uri"] = list(job.default_graphs)
        elif job.named_graphs:  # the protocol's empty default graph; Virtuoso would otherwise use all graphs
            params["default-graph-uri"] = [EMPTY_GRAPH]
        if job.named_graphs:
            params["named-graph-uri"] = list(job.named_graphs)
        return params

    def _late(self) -> HTTPError:
        return HTTPError(
            503,
            f"the query was stopped at the time limit of {self.timeout:g} s; simplify it or add a LIMIT",
            {"Retry-After": "5"},
        )

    def _send(self, job: QueryJob, form: str, deadline: float) -> requests.Response:
        accept = N_TRIPLES if form in ("CONSTRUCT", "DESCRIBE") else RESULTS_XML
        seconds = deadline - time.monotonic()
        if seconds <= 0:
            raise self._late()
        try:
            text = self._text(job, form)
            response = self.store.session.post(
                self.store.endpoints.query,
                data={"query": text},
                params=self._params(job, seconds),
                headers={"Accept": accept},
                stream=True,
                timeout=(min(5.0, seconds), seconds),
            )
        except requests.Timeout:
            raise self._late() from None
        except (requests.RequestException, OSError) as exc:
            raise HTTPError(502, f"the SPARQL store could not be reached: {type(exc).__name__}") from None
        except HTTPError:
            raise
        if response.status_code == 206 or response.headers.get("X-SQL-State"):
            response.close()  # Virtuoso's partial "anytime" answer: incomplete, so never passed on as a result
            raise self._late()
        if response.status_code >= 400:
            message = response.text.strip()[:500]
            response.close()
            if response.status_code in (400, 413):
                raise HTTPError(400, f"the SPARQL store refused the query: {message}")
            if response.status_code in (408, 503, 504) or time.monotonic() > deadline:
                raise self._late()
            raise HTTPError(502, f"the SPARQL store failed ({response.status_code}): {message}")
        return response

    # ------------------------------------------------------------ what comes back

    def _solutions(self, job: QueryJob, form: str, deadline: float) -> tuple[bytes, int, bool]:
        """The store's SPARQL XML answer, at most ``max_rows`` solutions of it, their number, and whether cut."""
        response = self._send(job, form, deadline)
        reader = _BoundedReader(response.raw, job.max_bytes + 1, deadline)
        chunks: list[bytes] = []
        rows = 0
        try:
            while True:
                chunk = reader.read(65536)
                if not chunk:
                    break
                chunks.append(chunk)
                rows += chunk.count(_END_OF_RESULT)  # "<" is escaped inside values, and chunks are large
                if rows > job.max_rows + 1:
                    break
        except TimeoutError:
            raise self._late() from None
        except (requests.RequestException, OSError) as exc:
            raise HTTPError(502, f"the SPARQL store's answer broke off: {type(exc).__name__}") from None
        finally:
            response.close()
        data = b"".join(chunks)
        if reader.cut:
            raise TooLarge
        rows = data.count(_END_OF_RESULT)
        if rows <= job.max_rows:  # Virtuoso says so when its ResultSetMaxRows cut the answer
            return data, rows, "X-SPARQL-MaxRows" in response.headers
        end = 0
        for _ in range(job.max_rows):
            end = data.index(_END_OF_RESULT, end) + len(_END_OF_RESULT)
        return data[:end] + b"</results></sparql>", job.max_rows, True

    def _graph(self, job: QueryJob, form: str, deadline: float) -> list[ox.Triple]:
        response = self._send(job, form, deadline)
        reader = _BoundedReader(response.raw, job.max_bytes + 1, deadline)
        triples: list[ox.Triple] = []
        try:
            # pyoxigraph reads any object with read(); its stubs ask for IO[bytes]
            for quad in ox.parse(cast(IO[bytes], reader), format=ox.RdfFormat.N_TRIPLES):
                triples.append(quad.triple)
                if len(triples) > job.max_rows:
                    break
        except Exception as exc:  # the reader's own stop comes back through the parser as any exception
            if reader.late:
                raise self._late() from None
            if reader.cut:
                raise TooLarge from None
            raise HTTPError(502, f"the SPARQL store sent a graph that could not be read: {exc}") from None
        finally:
            response.close()
        return triples

    def _answer(self, job: QueryJob, form: str, deadline: float) -> QueryAnswer:
        if form in ("CONSTRUCT", "DESCRIBE"):
            return answer_graph(self._graph(job, form, deadline), job)  # type: ignore[arg-type]
        media = job.results_type
        if media is None:
            raise HTTPError(406, "none of the accepted media types fits this result; results are JSON, XML, CSV or TSV")
        data, rows, truncated = self._solutions(job, form, deadline)
        data = _VIRTUOSO_BNODE.sub(b"<bnode>", data)  # its labels, "nodeID://b123", are not blank node labels
        try:
            result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples = ox.parse_query_results(
                data, format=ox.QueryResultsFormat.XML
            )
        except SyntaxError as exc:
            raise HTTPError(502, f"the SPARQL store sent results that could not be read: {exc}") from None
        fmt = ox.QueryResultsFormat.from_media_type(media)
        if form == "ASK" and isinstance(result, ox.QuerySolutions):  # Virtuoso: one row for true, none for false
            result = _TRUE if rows else _FALSE
        if isinstance(result, ox.QueryBoolean):
            return QueryAnswer("boolean", media, 1, False, result.serialize(format=fmt) or b"")
        if not isinstance(result, ox.QuerySolutions):  # results formats carry solutions or a boolean, never a graph
            raise HTTPError(502, "the SPARQL store sent a graph where results were expected")
        try:
            body = result.serialize(format=fmt) or b""  # the results are parsed as they are written
        except SyntaxError as exc:
            raise HTTPError(502, f"the SPARQL store sent results that could not be read: {exc}") from None
        if len(body) > job.max_bytes:
            raise TooLarge
        return QueryAnswer("solutions", media, rows, truncated, body)

    def execute(self, job: QueryJob, deadline: float | None = None) -> QueryAnswer:
        """Answer ``job`` from the store by ``deadline`` (``time.monotonic()`` seconds; default: ``timeout`` from
        now).

        Raises :class:`HTTPError`: 400 for a refused query (here or by the store), 406 when no acceptable format
        fits the result, 413 when the answer passes ``job.max_bytes``, 502 when the store fails or cannot be
        reached, 503 at the deadline.
        """
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        check_query(job.query, dict(job.prefixes), job.service_allowlist)
        if not may_call_service(job.query):  # parsed here (lazily, on an empty store) to answer as the workers do
            try:
                _EMPTY.query(job.query, prefixes=dict(job.prefixes))
            except SyntaxError as exc:
                raise HTTPError(400, f"query syntax error: {exc}") from None
        form = query_form(job.query)
        try:
            answer = self._answer(job, form, deadline)
        except TooLarge:
            raise HTTPError(
                413,
                f"the answer is larger than {job.max_bytes // 1_048_576} MiB; add a LIMIT or select fewer variables",
            ) from None
        return xml_safe(answer)

    def query(
        self,
        query: str,
        prefixes: dict[str, str] | None = None,
        deadline: float | None = None,
        max_rows: int = 1_000_000,
        max_bytes: int = 256 * 1024**2,
    ) -> ox.QuerySolutions | ox.QueryBoolean | list[ox.Triple]:
        """Run ``query`` over the union of the graphs, as ``Store.query(..., use_default_graph_as_union=True)``
        does: solutions, a boolean, or (CONSTRUCT, DESCRIBE) a list of triples. The checks and bounds of
        :meth:`execute` apply, except that an answer of more than ``max_rows`` is refused (413), never cut.
        Raises :class:`HTTPError`."""
        form = query_form(query)
        job = QueryJob(
            query,
            RESULTS_XML,
            N_TRIPLES,
            max_rows=max_rows,
            max_bytes=max_bytes,
            prefixes=tuple((prefixes or {}).items()),
        )
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        if form in ("CONSTRUCT", "DESCRIBE"):
            triples = self._graph(job, form, deadline)
            if len(triples) > max_rows:
                raise HTTPError(413, f"the answer has more than {max_rows} triples")
            return triples
        answer = self.execute(job, deadline)
        if answer.truncated:
            raise HTTPError(413, f"the answer has more than {max_rows} rows")
        return ox.parse_query_results(answer.body, format=ox.QueryResultsFormat.XML)
