"""``/dumps/``: the dumps of the last good build, listed with size and SHA-256, each served with ETag,
Last-Modified, conditional GET (304) and byte ranges (206).

Only regular files that are in the build's ``dumps/`` and whose names match ``DUMP_NAME`` are listed or served;
a request names a file, never a path.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, request, send_file

from .negotiation import negotiate
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
    return MEDIA_TYPES.get(Path(name).suffix, "text/plain; charset=utf-8" if name == SUMS else
                           "application/octet-stream")


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
            found.append(Dump(path.name, stat.st_size, sums.get(path.name, ""), media_type(path.name), modified,
                              dump_url(path.name)))
    return found


@bp.route("/dumps/")
def listing() -> Response | str:
    """The dumps as an HTML table, or JSON (``Accept: application/json`` or ``?format=json``)."""
    dumps = list_dumps()
    wanted = "application/json" if request.args.get("format") == "json" else negotiate(
        request.headers.get("Accept"), ["text/html", "application/json"])
    if wanted == "application/json":
        response = jsonify({"dumps": [asdict(d) for d in dumps]})
    else:
        response = Response(render_template("dumps.html", dumps=dumps, label="Dumps"), mimetype="text/html")
    response.vary.add("Accept")
    return response


@bp.route("/dumps/<name>")
def dump_file(name: str) -> Response:
    """One dump, with a content ETag (its SHA-256), Last-Modified, 304 and 206 handled by ``send_file``."""
    if not DUMP_NAME.match(name):
        abort(404)
    directory = dumps_dir()
    listed = {p.name: p for p in directory.iterdir()} if directory.is_dir() else {}
    path = listed.get(name)
    if path is None or not path.is_file() or path.is_symlink():
        abort(404)
    sha = checksums(directory).get(name)
    response = send_file(path, mimetype=media_type(name), conditional=True, etag=sha or True,
                         download_name=name, as_attachment=False, max_age=300)
    response.headers["Accept-Ranges"] = "bytes"
    if sha:
        response.headers["Digest"] = f"sha-256={sha}"
    return response


def init_app(app: Flask) -> None:
    """Register the blueprint."""
    app.register_blueprint(bp)
