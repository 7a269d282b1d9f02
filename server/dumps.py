"""``/dumps/``: the dumps of the last good build, listed with size and SHA-256, each served with ETag,
Last-Modified, conditional GET (304) and byte ranges (206).

Only regular files that are in the build's ``dumps/`` and whose names match ``DUMP_NAME`` are listed or served;
a request names a file, never a path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request
from werkzeug.datastructures import Headers
from werkzeug.http import http_date

from .negotiation import negotiate
from .rdf_formats import content_type
from .store import paths
from .urls import dump_url

bp = Blueprint("dumps", __name__)
DUMP_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*(\.[A-Za-z0-9]+)*$")
SUMS = "SHA256SUMS"
MEDIA_TYPES = {
    ".ttl": "text/turtle",
    ".trig": "application/trig",
    ".nt": "application/n-triples",
    ".nq": "application/n-quads",
    ".jsonld": "application/ld+json",
    ".gz": "application/gzip",
    ".json": "application/json",
}


@dataclass(frozen=True)
class Dump:
    """One file of the dumps directory."""

    name: str
    size: int
    sha256: str
    media_type: str
    modified: str
    url: str


def dumps_dir() -> Path:
    """The dumps of the build the app serves."""
    return paths(current_app).dumps


def media_type(name: str) -> str:
    """The media type of a dump by its last suffix (``SHA256SUMS`` is text)."""
    default = "text/plain" if name == SUMS else "application/octet-stream"
    return content_type(MEDIA_TYPES.get(Path(name).suffix, default))


def checksums(directory: Path) -> dict[str, str]:
    """The SHA-256 of each file as listed in ``SHA256SUMS`` (``<hex>  <name>`` lines)."""
    path = directory / SUMS
    if not path.is_file():
        return {}
    sums = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(maxsplit=1)
        if len(parts) == 2 and re.fullmatch(r"[0-9a-f]{64}", parts[0]):
            sums[parts[1].lstrip("*").strip()] = parts[0]
    return sums


def list_dumps() -> list[Dump]:
    """The files of the dumps directory, sorted by name."""
    directory = dumps_dir()
    if not directory.is_dir():
        return []
    sums = checksums(directory)
    found = []
    for path in sorted(directory.iterdir()):
        if path.is_file() and not path.is_symlink() and DUMP_NAME.match(path.name):
            stat = path.stat()
            modified = datetime.fromtimestamp(stat.st_mtime, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            found.append(
                Dump(
                    path.name,
                    stat.st_size,
                    sums.get(path.name, ""),
                    media_type(path.name),
                    modified,
                    dump_url(path.name),
                )
            )
    return found


@bp.route("/dumps/")
def listing() -> Response | str:
    """The dumps as an HTML table, or JSON (``Accept: application/json`` or ``?format=json``)."""
    dumps = list_dumps()
    wanted = (
        "application/json"
        if request.args.get("format") == "json"
        else negotiate(request.headers.get("Accept"), ["text/html", "application/json"])
    )
    if wanted == "application/json":
        response = jsonify({"dumps": [asdict(d) for d in dumps]})
    else:
        response = Response(render_template("dumps.html", dumps=dumps, label="Dumps"), mimetype="text/html")
    response.vary.add("Accept")
    return response


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_CHUNK = 256 * 1024


def _single_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The byte range ``(start, end)`` (inclusive) of a well-formed single-range ``Range`` header, else None
    (RFC 9110 section 14.2: a malformed or multiple range may be ignored and the whole file served)."""
    match = _RANGE.match((header or "").strip().replace(" ", ""))
    if not match or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        return max(size - int(last), 0), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return None if last and int(last) < start else (start, end)


def _read(path: Path, start: int, length: int) -> Iterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        while length > 0:
            chunk = f.read(min(_CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    """One dump, with a content ETag (its SHA-256), Last-Modified, If-Match, If-None-Match, If-Modified-Since,
    If-Range and single byte ranges (206/416), as RFC 9110 says."""
    if not DUMP_NAME.match(name):
        abort(404)
    directory = dumps_dir()
    listed = {p.name: p for p in directory.iterdir()} if directory.is_dir() else {}
    path = listed.get(name)
    if path is None or not path.is_file() or path.is_symlink():
        abort(404)
    stat = path.stat()
    size = stat.st_size
    sha = checksums(directory).get(name)
    etag = sha or f"{stat.st_ino:x}-{size:x}-{stat.st_mtime_ns:x}"
    headers = Headers({"Accept-Ranges": "bytes", "Cache-Control": "public, max-age=300"})
    headers["ETag"] = f'"{etag}"'
    headers["Last-Modified"] = http_date(stat.st_mtime)
    if sha:
        headers["Digest"] = f"sha-256={sha}"
    if "If-Match" in request.headers and not request.if_match.contains(etag) and not request.if_match.star_tag:
        return Response(status=412, headers=headers)
    if request.if_none_match:
        if request.if_none_match.contains(etag) or request.if_none_match.star_tag:
            return Response(status=304, headers=headers)
    elif request.if_modified_since and int(stat.st_mtime) <= request.if_modified_since.timestamp():
        return Response(status=304, headers=headers)
    mimetype = media_type(name)
    byte_range = _single_range(request.headers.get("Range"), size)
    if_range = request.headers.get("If-Range")
    if byte_range and if_range and if_range.strip() not in (f'"{etag}"', headers["Last-Modified"]):
        byte_range = None  # the client's copy is outdated: send the whole file
    if byte_range is None:
        headers["Content-Length"] = str(size)
        return Response(_read(path, 0, size), status=200, headers=headers, mimetype=mimetype, direct_passthrough=True)
    start, end = byte_range
    if start >= size:
        headers["Content-Range"] = f"bytes */{size}"
        return Response(status=416, headers=headers)
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    headers["Content-Length"] = str(end - start + 1)
    return Response(
        _read(path, start, end - start + 1), status=206, headers=headers, mimetype=mimetype, direct_passthrough=True
    )


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
