"""One place that builds every URL of the site, so no template or view assembles paths by hand.

Resource IRIs under ``kg.iris.BASE`` map to local paths (``<base>id/firm/bmw`` -> ``/id/firm/bmw``); other IRIs
(Wikidata, vocabularies) are linked as they are.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from flask import current_app, url_for

from kg.iris import BASE

EVIDENCE_PATH = re.compile(r"^/id/document/(?P<doc>[^/]+)/evidence/(?P<start>\d+)-(?P<end>\d+)$")


def public_base() -> str:
    """The public base of the app's IRIs (``kg.iris.BASE``, recorded in the build), ending with ``/``; also
    the base of the public URLs of the endpoint, the dumps and the VoID (never the request's Host header)."""
    return BASE


def iri_for_path(path: str) -> str:
    """The IRI that the local ``path`` (``/id/firm/bmw``) stands for."""
    return public_base() + path.lstrip("/")


def local_path(iri: str) -> str | None:
    """The local path of ``iri`` when it is under the public base, else ``None``. The fragment is kept."""
    base = public_base()
    if not iri.startswith(base):
        return None
    return "/" + quote(iri[len(base) :], safe="/#-_.~:")


def resource_url(iri: str, suffix: str | None = None) -> str:
    """Where a browser follows ``iri``: its local page (``suffix`` like ``ttl`` for a format), or the IRI."""
    path = local_path(iri)
    if path is None:
        return iri
    if suffix and "#" not in path:
        path = f"{path}.{suffix}"
    return (current_app.config.get("APPLICATION_ROOT", "/").rstrip("/")) + path


def evidence_anchor(start: int, end: int) -> str:
    """The HTML id of the highlighted quote ``start``-``end`` on its document page."""
    return f"q-{start}-{end}"


def evidence_url(evidence_iri: str) -> str:
    """The link from an evidence IRI into its document page, anchored at the highlighted quote."""
    path = local_path(evidence_iri) or ""
    match = EVIDENCE_PATH.match(path)
    if not match:
        return resource_url(evidence_iri)
    doc_path = path[: path.index("/evidence/")]
    return f"{doc_path}#{evidence_anchor(int(match['start']), int(match['end']))}"


def query_ui_url(query: str | None = None, title: str | None = None) -> str:
    """The query UI, optionally opening a tab with ``query`` (YASGUI reads ``query`` and ``tabTitle``)."""
    url = url_for("pages.query_ui")
    params = {k: v for k, v in (("query", query), ("tabTitle", title)) if v}
    return f"{url}?{urlencode(params)}" if params else url


def sparql_url() -> str:
    """The SPARQL endpoint."""
    return url_for("sparql.endpoint") if "sparql.endpoint" in current_app.view_functions else "/sparql"


def absolute(url: str) -> str:
    """``url`` made absolute against the current request's host (for VoID and service descriptions)."""
    from flask import request

    return request.host_url.rstrip("/") + url if url.startswith("/") else url


def dump_url(name: str) -> str:
    """One dump file."""
    return url_for("dumps.dump_file", name=name)


def dumps_url() -> str:
    """The dumps listing."""
    return url_for("dumps.listing")


def ontology_url(suffix: str | None = None) -> str:
    """The ontology documentation, or its RDF with ``suffix`` (``ttl``, ``jsonld``, ...)."""
    return url_for("ontology.ontology", ext=suffix) if suffix else url_for("ontology.ontology")


def void_url() -> str:
    """The VoID description."""
    return url_for("void.void")


def index_url(kind: str, **params: object) -> str:
    """The index page of one kind of resource (``/id/firm/``), with sorting or paging ``params``."""
    values: dict[str, Any] = {k: v for k, v in params.items() if v is not None}
    return url_for("browse.index", kind=kind, **values)


def search_url(query: str | None = None, **params: object) -> str:
    """The search page, optionally with a search."""
    values: dict[str, Any] = {**({"q": query} if query else {}), **params}
    return url_for("search.search", **values)


def releases_url() -> str:
    """The list of releases."""
    return url_for("releases.listing")


def release_url(number: int) -> str:
    """One release: its checksums, changelog and files."""
    return url_for("releases.release", number=number)


def release_file_url(number: int, name: str) -> str:
    """A dump or export file kept with release ``number``."""
    return url_for("releases.release_file", number=number, name=name)


def export_url(name: str, **params: object) -> str:
    """One export of the current build (``network.graphml?year=2015``)."""
    values: dict[str, Any] = {k: v for k, v in params.items() if v is not None}
    return url_for("exports.export_file", name=name, **values)


def with_query(**changes: object) -> str:
    """The current request's URL with the query parameters ``changes`` set (``None`` removes one)."""
    from flask import request

    args = {k: v for k, v in request.args.items(multi=False)}
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
        else:
            args[key] = str(value)
    return request.path + (f"?{urlencode(sorted(args.items()))}" if args else "")


def static_url(filename: str) -> str:
    """A file under ``server/static/``."""
    return url_for("static", filename=filename)


TEMPLATE_GLOBALS = {
    "resource_url": resource_url,
    "evidence_url": evidence_url,
    "evidence_anchor": evidence_anchor,
    "query_ui_url": query_ui_url,
    "sparql_url": sparql_url,
    "dump_url": dump_url,
    "dumps_url": dumps_url,
    "ontology_url": ontology_url,
    "void_url": void_url,
    "static_url": static_url,
    "index_url": index_url,
    "search_url": search_url,
    "releases_url": releases_url,
    "release_url": release_url,
    "release_file_url": release_file_url,
    "export_url": export_url,
    "with_query": with_query,
}
