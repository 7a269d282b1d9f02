"""``/catalog``: a DCAT catalogue of the dataset, for data portals and dataset search engines.

One ``dcat:Catalog`` with one ``dcat:Dataset`` (the same IRI as the VoID's dataset) and every way to get it:
the SPARQL endpoint as a ``dcat:DataService`` (and a distribution accessed through it), each dump and each
export of the build being served as a ``dcat:Distribution`` with media type, size and SHA-256 checksum, and
each numbered release (``var/releases/releases.json``) as a version of the dataset (``dcat:hasVersion``) with
its own date, version notes and distributions. RDF by ``Accept`` or suffix (Turtle by default); HTML for
browsers. Computed once per build.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from flask import Blueprint, Flask, Response, current_app, render_template
from rdflib.namespace import DCTERMS, FOAF, RDF, XSD, Namespace

from kg.dumps import DUMP_PREFIXES
from kg.releases import read_index

from .describe import iri, used_prefixes
from .documents import document_response
from .dumps import MEDIA_TYPES, SUMS, list_dumps
from .exports import MEDIA_TYPES as EXPORT_MEDIA_TYPES
from .exports import exports_dir
from .exports import sums as export_sums
from .pages import available_exports
from .rdf_formats import BY_MEDIA_TYPE, BY_SUFFIX, HTML, content_type, serialize
from .releases import releases_dir
from .site_meta import dataset_info
from .store import per_build
from .urls import export_url, iri_for_path, release_file_url, sparql_url
from .void import dataset_iri, dataset_metadata

if TYPE_CHECKING:
    from .backend_graph import GraphSource

bp = Blueprint("dcat", __name__)
DCAT = Namespace("http://www.w3.org/ns/dcat#")  # DCAT 3 (rdflib's closed namespace lacks its version terms)
SPDX = Namespace("http://spdx.org/rdf/terms#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
IANA = "https://www.iana.org/assignments/media-types/"
DCAT_PREFIXES = {
    **DUMP_PREFIXES,
    "dcat": str(DCAT),
    "spdx": str(SPDX),
    "adms": str(ADMS),
    "cc": "http://creativecommons.org/ns#",
}
RDF_TYPE = iri(RDF.type)
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"


@dataclass(frozen=True)
class FileDistribution:
    """A downloadable file: name, public URL, media type, size (if known) and SHA-256 (if known)."""

    name: str
    url: str
    media_type: str
    size: int | None
    sha256: str


def read_releases() -> list[dict[str, Any]]:
    """The numbered releases (``kg.releases``' index), oldest first; ``[]`` when there are none or the index
    cannot be read. Entries whose number is not a whole number are skipped (it becomes part of IRIs and URLs)."""
    try:
        releases = read_index(releases_dir())
    except (OSError, ValueError):
        return []
    if not isinstance(releases, list):
        return []
    return [
        r
        for r in releases
        if isinstance(r, dict) and isinstance(r.get("number"), int) and not isinstance(r.get("number"), bool)
    ]


def exports() -> list[FileDistribution]:
    """The analysts' exports of the build being served, with their checksums from the build's manifest."""
    checksums = export_sums()
    return [
        FileDistribution(
            name,
            iri_for_path(export_url(name)),
            file_media_type(name),
            (exports_dir() / name).stat().st_size,
            checksums.get(name, ""),
        )
        for name, _ in available_exports()
    ]


def file_media_type(name: str) -> str:
    """The media type of a dump or export file by its suffix (``.gz`` files by the suffix before it)."""
    suffixes = Path(name).suffixes
    known = {**MEDIA_TYPES, **EXPORT_MEDIA_TYPES}
    if suffixes and suffixes[-1] == ".gz" and len(suffixes) > 1:
        return known.get(suffixes[-2], "application/gzip").split(";")[0]
    return known.get(suffixes[-1] if suffixes else "", "application/octet-stream").split(";")[0]


def release_files(release: dict[str, Any]) -> list[FileDistribution]:
    """The dumps and exports of a release, while the release keeps its files (``available``)."""
    if not release.get("available"):
        return []
    files = []
    for part in ("dumps", "exports"):
        listed = release.get(part)
        for name, sha in sorted(listed.items() if isinstance(listed, dict) else []):
            if not FILE_NAME.match(str(name)):
                continue
            url = release_file_url(release["number"], str(name))
            checksum = str(sha) if SHA256.match(str(sha)) else ""
            files.append(FileDistribution(str(name), iri_for_path(url), file_media_type(str(name)), None, checksum))
    return files


def _literal(value: str | int, datatype: str) -> ox.Literal:
    return ox.Literal(str(value), datatype=ox.NamedNode(datatype))


def distribution_triples(node: ox.NamedNode, f: FileDistribution, license_iri: str) -> list[ox.Triple]:
    """A file as a ``dcat:Distribution``: title, download URL, media type, size and checksum."""
    t = [
        ox.Triple(node, RDF_TYPE, iri(DCAT.Distribution)),
        ox.Triple(node, iri(DCTERMS.title), ox.Literal(f.name)),
        ox.Triple(node, iri(DCAT.downloadURL), ox.NamedNode(f.url)),
        ox.Triple(node, iri(DCAT.accessURL), ox.NamedNode(f.url)),
        ox.Triple(node, iri(DCAT.mediaType), ox.NamedNode(IANA + f.media_type)),
        ox.Triple(node, iri(DCTERMS.license), ox.NamedNode(license_iri)),
    ]
    if f.name.endswith(".gz"):
        t.append(ox.Triple(node, iri(DCAT.compressFormat), ox.NamedNode(IANA + "application/gzip")))
    if f.size is not None:
        t.append(ox.Triple(node, iri(DCAT.byteSize), _literal(f.size, str(XSD.nonNegativeInteger))))
    if f.sha256:
        checksum = ox.NamedNode(node.value + "-sha256")
        t += [
            ox.Triple(node, iri(SPDX.checksum), checksum),
            ox.Triple(checksum, RDF_TYPE, iri(SPDX.Checksum)),
            ox.Triple(checksum, iri(SPDX.algorithm), iri(SPDX.checksumAlgorithm_sha256)),
            ox.Triple(checksum, iri(SPDX.checksumValue), _literal(f.sha256, str(XSD.hexBinary))),
        ]
    return t


def version_notes(release: dict[str, Any]) -> str:
    """A release's changelog in one line: ``deal: 2 added, 1 changed; firm: ...``."""
    parts = []
    for kind, changes in sorted((release.get("changelog") or {}).items()):
        if isinstance(changes, dict):
            counts = [f"{len(v)} {k}" for k, v in changes.items() if isinstance(v, list) and v]
            if counts:
                parts.append(f"{kind}: {', '.join(counts)}")
    return "; ".join(parts) or "no changes to deals, firms or quotes"


def catalog_triples() -> list[ox.Triple]:
    """The DCAT catalogue as triples."""
    info = dataset_info()
    here = iri_for_path("/catalog")
    catalog = ox.NamedNode(here + "#catalog")
    dataset = dataset_iri()
    service = ox.NamedNode(here + "#sparql-service")
    endpoint = ox.NamedNode(iri_for_path(sparql_url()))
    t = [
        ox.Triple(catalog, RDF_TYPE, iri(DCAT.Catalog)),
        ox.Triple(catalog, iri(DCTERMS.title), ox.Literal(f"{info.title} data catalogue", language="en")),
        ox.Triple(catalog, iri(DCTERMS.description), ox.Literal(info.description, language="en")),
        ox.Triple(catalog, iri(DCTERMS.publisher), ox.NamedNode(iri_for_path("/.well-known/void") + "#publisher")),
        ox.Triple(catalog, iri(DCTERMS.license), ox.NamedNode(info.license)),
        ox.Triple(catalog, iri(FOAF.homepage), ox.NamedNode(info.homepage)),
        ox.Triple(catalog, iri(DCAT.dataset), dataset),
        ox.Triple(catalog, iri(DCAT.service), service),
        ox.Triple(dataset, RDF_TYPE, iri(DCAT.Dataset)),
        *dataset_metadata(dataset),
        ox.Triple(dataset, iri(DCAT.landingPage), ox.NamedNode(info.homepage)),
        *(
            ox.Triple(dataset, iri(DCAT.keyword), ox.Literal(k, language="en"))
            for k in (
                "automotive industry",
                "strategic alliances",
                "joint ventures",
                "mergers and acquisitions",
                "knowledge graph",
            )
        ),
        ox.Triple(service, RDF_TYPE, iri(DCAT.DataService)),
        ox.Triple(service, iri(DCTERMS.title), ox.Literal(f"{info.title} SPARQL endpoint", language="en")),
        ox.Triple(service, iri(DCAT.endpointURL), endpoint),
        ox.Triple(service, iri(DCAT.endpointDescription), endpoint),
        ox.Triple(service, iri(DCTERMS.conformsTo), ox.NamedNode(SPARQL_PROTOCOL)),
        ox.Triple(service, iri(DCAT.servesDataset), dataset),
        ox.Triple(service, iri(DCTERMS.license), ox.NamedNode(info.license)),
    ]
    via_endpoint = ox.NamedNode(here + "#sparql")
    t += [
        ox.Triple(dataset, iri(DCAT.distribution), via_endpoint),
        ox.Triple(via_endpoint, RDF_TYPE, iri(DCAT.Distribution)),
        ox.Triple(via_endpoint, iri(DCTERMS.title), ox.Literal("SPARQL endpoint", language="en")),
        ox.Triple(via_endpoint, iri(DCAT.accessURL), endpoint),
        ox.Triple(via_endpoint, iri(DCAT.accessService), service),
        ox.Triple(via_endpoint, iri(DCTERMS.license), ox.NamedNode(info.license)),
    ]
    current = [
        FileDistribution(d.name, iri_for_path(d.url), file_media_type(d.name), d.size, d.sha256)
        for d in list_dumps()
        if d.name != SUMS
    ] + exports()
    for f in current:
        node = ox.NamedNode(f"{here}#file-{f.name}")
        t += [ox.Triple(dataset, iri(DCAT.distribution), node), *distribution_triples(node, f, info.license)]
    previous: ox.NamedNode | None = None
    for release in read_releases():
        number = str(release["number"])
        version = ox.NamedNode(f"{here}#release-{number}")
        t += [
            ox.Triple(dataset, iri(DCAT.hasVersion), version),
            ox.Triple(version, RDF_TYPE, iri(DCAT.Dataset)),
            ox.Triple(version, iri(DCTERMS.title), ox.Literal(f"{info.title} release {number}", language="en")),
            ox.Triple(version, iri(DCAT.version), ox.Literal(number)),
            ox.Triple(version, iri(DCTERMS.isVersionOf), dataset),
            ox.Triple(version, iri(DCTERMS.license), ox.NamedNode(info.license)),
            ox.Triple(version, iri(ADMS.versionNotes), ox.Literal(version_notes(release), language="en")),
        ]
        if release.get("date"):
            date = str(release["date"])
            t.append(
                ox.Triple(version, iri(DCTERMS.issued), _literal(date, str(XSD.dateTime if "T" in date else XSD.date)))
            )
        if previous is not None:
            t.append(ox.Triple(version, iri(DCAT.previousVersion), previous))
        for f in release_files(release):
            node = ox.NamedNode(f"{here}#release-{number}-{f.name}")
            t += [ox.Triple(version, iri(DCAT.distribution), node), *distribution_triples(node, f, info.license)]
        previous = version
    return t


def _cached_catalog(_store: GraphSource) -> list[ox.Triple]:
    return catalog_triples()


@bp.route("/catalog", defaults={"ext": None})
@bp.route("/catalog.<ext>")
def catalog(ext: str | None) -> Response:
    """The DCAT catalogue: Turtle unless the client asks for another RDF format or HTML (or a suffix)."""
    return document_response(ext, "/catalog", catalog_document, rdf_first=True)


def catalog_document(media_type: str) -> Response:
    """The DCAT catalogue as ``media_type`` (HTML or an RDF format)."""
    triples = per_build(current_app, "dcat_catalog", _cached_catalog)
    if media_type == HTML:
        return Response(
            render_template(
                "catalog.html",
                label="Data catalogue",
                info=dataset_info(),
                rows=catalog_rows(triples),
                base_path="/catalog",
                alternates=[(s, BY_SUFFIX[s].media_type) for s in BY_SUFFIX],
            ),
            mimetype="text/html",
        )
    body = serialize(triples, BY_MEDIA_TYPE[media_type], used_prefixes(triples, DCAT_PREFIXES))
    return Response(body, content_type=content_type(media_type))


@dataclass(frozen=True)
class DistributionRow:
    """One distribution for the HTML view: whose (the dataset or a release), title, URL, media type, size, SHA-256."""

    of: str
    title: str
    url: str
    media_type: str
    size: str
    sha256: str


def catalog_rows(triples: list[ox.Triple]) -> list[DistributionRow]:
    """The distributions of the catalogue, read back from its triples (so the page shows what the RDF says)."""
    by_subject: dict[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, dict[str, list[str]]] = {}
    for t in triples:
        if not isinstance(t.object, ox.Triple):  # triple terms never occur in the catalogue; narrows the type
            by_subject.setdefault(t.subject, {}).setdefault(t.predicate.value, []).append(t.object.value)
    rows = []
    for t in triples:
        if t.predicate.value != str(DCAT.distribution):
            continue
        owner = by_subject.get(t.subject, {})
        props = by_subject.get(t.object, {})
        checksum = props.get(str(SPDX.checksum), [""])[0]
        rows.append(
            DistributionRow(
                of=(owner.get(str(DCAT.version)) or ["current"])[0],
                title=(props.get(str(DCTERMS.title)) or [""])[0],
                url=(props.get(str(DCAT.downloadURL)) or props.get(str(DCAT.accessURL)) or [""])[0],
                media_type=(props.get(str(DCAT.mediaType)) or [""])[0].removeprefix(IANA),
                size=(props.get(str(DCAT.byteSize)) or [""])[0],
                sha256=(by_subject.get(ox.NamedNode(checksum), {}).get(str(SPDX.checksumValue)) or [""])[0]
                if checksum
                else "",
            )
        )
    return rows


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
