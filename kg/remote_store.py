"""An existing SPARQL 1.1 store over HTTP: where its endpoints are, how to log in, and the three protocols.

One table says, per kind of store, where the query, update and Graph Store HTTP Protocol endpoints live relative
to the URL a user gives, which authentication scheme the store expects, and how a query asks for the union
default graph or a time limit. :class:`RemoteStore` speaks SPARQL 1.1 Query, Update and the Graph Store
Protocol to it. Credentials are held by the HTTP session only: no message, error or repr contains them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth

from .errors import KGError

KINDS = ("oxigraph", "virtuoso", "fuseki", "graphdb", "generic")
USER_ENV = "AUTOALLIANCE_STORE_USER"
PASSWORD_ENV = "AUTOALLIANCE_STORE_PASSWORD"
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"


class StoreError(KGError):
    """The remote store refused a request or could not be reached; ``status`` is its HTTP status, if any."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Endpoints:
    """Where one store answers, and its dialect.

    ``graph_param`` names the graph in Graph Store Protocol requests (``graph``; Virtuoso also reads
    ``graph-uri``); ``union_params`` are added to queries so that the default graph is the union of the named
    graphs; ``timeout_param``/``timeout_scale`` pass a per-query time limit the store itself enforces.
    """

    kind: str
    query: str
    update: str | None
    graph_store: str | None
    graph_param: str = "graph"
    auth_scheme: str = "basic"
    union_params: Mapping[str, str] = field(default_factory=dict)
    timeout_param: str | None = None
    timeout_scale: float = 1.0  # the parameter's unit per second: 1000 for milliseconds


def split_credentials(url: str) -> tuple[str, str | None, str | None]:
    """``url`` without any ``user:password@`` part, and that user and password (None when absent)."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url, None, None
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment)), parts.username, parts.password


def endpoints_for(
    kind: str, url: str, query: str | None = None, update: str | None = None, graph_store: str | None = None
) -> Endpoints:
    """The endpoints of a store of ``kind`` at ``url`` (each may be overridden; an empty string turns the Graph
    Store Protocol off).

    ``url`` is the server for Oxigraph and Virtuoso (``http://host:8890``), the dataset for Fuseki
    (``http://host:3030/ds``), the repository for GraphDB (``http://host:7200/repositories/kg``), and the SPARQL
    endpoint itself for ``generic`` (Neptune, QLever: one endpoint for queries and updates, no Graph Store
    Protocol unless given). Raises ``ValueError`` for an unknown kind or a URL that is not http(s).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown store kind {kind!r}; one of {', '.join(KINDS)}")
    if urlsplit(url).scheme not in ("http", "https"):
        raise ValueError(f"the store URL must start with http:// or https://, got {url!r}")
    base = url.rstrip("/")
    if kind == "oxigraph":
        for suffix in ("/query", "/update", "/store"):
            base = base.removesuffix(suffix)
        made = Endpoints(
            kind, f"{base}/query", f"{base}/update", f"{base}/store", union_params={"union-default-graph": ""}
        )
    elif kind == "virtuoso":
        for suffix in ("/sparql-graph-crud-auth", "/sparql-auth", "/sparql"):
            base = base.removesuffix(suffix)
        # /sparql answers queries anonymously; writes go to the digest-authenticated twins of the endpoints
        made = Endpoints(
            kind,
            f"{base}/sparql",
            f"{base}/sparql-auth",
            f"{base}/sparql-graph-crud-auth",
            graph_param="graph-uri",
            auth_scheme="digest",
            timeout_param="timeout",
            timeout_scale=1000.0,
        )
    elif kind == "fuseki":
        made = Endpoints(kind, f"{base}/sparql", f"{base}/update", f"{base}/data")
    elif kind == "graphdb":
        made = Endpoints(kind, base, f"{base}/statements", f"{base}/rdf-graphs/service", timeout_param="timeout")
    else:
        made = Endpoints(kind, base, base, None)
    return Endpoints(
        made.kind,
        query or made.query,
        update or made.update,
        (graph_store or None) if graph_store is not None else made.graph_store,
        made.graph_param,
        made.auth_scheme,
        made.union_params,
        made.timeout_param,
        made.timeout_scale,
    )


def _auth(scheme: str, user: str | None, password: str | None) -> AuthBase | None:
    if user is None and password is None:
        return None
    if scheme == "digest":
        return HTTPDigestAuth(user or "", password or "")
    return HTTPBasicAuth(user or "", password or "")


def _describe(response: requests.Response) -> str:
    text = response.text.strip().replace("\n", " ")
    return f"{response.status_code} {response.reason}" + (f": {text[:300]}" if text else "")


class RemoteStore:
    """A SPARQL 1.1 store at :class:`Endpoints`, with credentials that never leave the HTTP session.

    ``timeout`` is the socket time limit of each request in seconds (connect and between bytes).
    """

    def __init__(
        self,
        endpoints: Endpoints,
        user: str | None = None,
        password: str | None = None,
        timeout: float = 300.0,
        auth_scheme: str | None = None,
    ) -> None:
        self.endpoints = endpoints
        self.timeout = timeout
        self.session = requests.Session()
        self.session.auth = _auth(auth_scheme or endpoints.auth_scheme, user, password)
        self.session.headers["User-Agent"] = "autoalliance"

    def __repr__(self) -> str:
        return f"RemoteStore({self.endpoints.kind}, {self.endpoints.query})"

    def close(self) -> None:
        """Close the HTTP connections."""
        self.session.close()

    def _send(self, method: str, url: str, what: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.RequestException as exc:
            raise StoreError(f"{what} at {url}: {type(exc).__name__}: {str(exc)[:300]}") from None
        if response.status_code in (401, 403):
            raise StoreError(
                f"{what} at {url}: {response.status_code} {response.reason}: the store refused the "
                f"credentials (give --user and --password, or {USER_ENV} and {PASSWORD_ENV})",
                response.status_code,
            )
        if response.status_code >= 300:
            raise StoreError(f"{what} at {url}: {_describe(response)}", response.status_code)
        return response

    def query_params(self, timeout: float | None = None) -> dict[str, str]:
        """The parameters every query carries: the union default graph, and the store's own time limit."""
        params = dict(self.endpoints.union_params)
        if timeout is not None and self.endpoints.timeout_param:
            params[self.endpoints.timeout_param] = str(int(timeout * self.endpoints.timeout_scale))
        return params

    def select(self, query: str, timeout: float | None = None) -> list[dict[str, str]]:
        """Run a SELECT query; return its rows as ``{variable: value}`` (unbound variables left out).

        Raises :class:`StoreError` when the store refuses or fails.
        """
        response = self._send(
            "POST",
            self.endpoints.query,
            "query",
            data={"query": query},
            params=self.query_params(timeout),
            headers={"Accept": RESULTS_JSON},
        )
        try:
            bindings = response.json()["results"]["bindings"]
        except (ValueError, KeyError, TypeError):
            raise StoreError(f"query at {self.endpoints.query}: the answer is not SPARQL JSON results") from None
        return [{name: value["value"] for name, value in row.items()} for row in bindings]

    def update(self, text: str) -> None:
        """Run a SPARQL Update request. Raises :class:`StoreError`."""
        if not self.endpoints.update:
            raise StoreError(f"no update endpoint is known for this {self.endpoints.kind} store")
        self._send(
            "POST",
            self.endpoints.update,
            "update",
            data=text.encode("utf-8"),
            headers={"Content-Type": "application/sparql-update; charset=utf-8"},
        )

    def put_graph(self, graph: str, body: bytes | SizedBody) -> None:
        """Replace ``graph`` by the N-Triples ``body`` through the Graph Store HTTP Protocol (PUT).

        The body is sent with its length (some stores ignore chunked request bodies). Raises :class:`StoreError`.
        """
        if not self.endpoints.graph_store:
            raise StoreError(f"no Graph Store Protocol endpoint is known for this {self.endpoints.kind} store")
        self._send(
            "PUT",
            self.endpoints.graph_store,
            "Graph Store PUT",
            params={self.endpoints.graph_param: graph},
            data=body,
            headers={"Content-Type": N_TRIPLES},
        )

    def get_graph(self, graph: str) -> bytes:
        """The N-Triples of ``graph`` through the Graph Store HTTP Protocol (GET). Raises :class:`StoreError`."""
        if not self.endpoints.graph_store:
            raise StoreError(f"no Graph Store Protocol endpoint is known for this {self.endpoints.kind} store")
        response = self._send(
            "GET",
            self.endpoints.graph_store,
            "Graph Store GET",
            params={self.endpoints.graph_param: graph},
            headers={"Accept": N_TRIPLES},
        )
        return response.content


class SizedBody:
    """A request body produced chunk by chunk, with its length known in advance, that can be sent again (an
    authentication challenge makes the client resend it): ``chunks`` is called once per pass."""

    def __init__(self, chunks: Callable[[], Iterable[bytes]], length: int) -> None:
        self._chunks = chunks
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks())
