"""The build's exports for analysts (``kg.exports``) at ``/exports/<name>``; the network as of a year at
``/exports/network.graphml?year=2015`` (also ``.gexf`` and ``.json``), cut from the build's network on request
(a filter over one list of edges, no store access)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request, send_file
from werkzeug.exceptions import BadRequest

from kg.config import Paths
from kg.exports import EXPORTS, MEDIA_TYPES, SERIALIZERS, Network, network_as_of, read_network

from .store import per_build
from .urls import export_url

bp = Blueprint("exports", __name__)


def exports_dir() -> Path:
    """The exports directory of the build the app serves."""
    return Paths(var=Path(current_app.config["VAR_DIR"])).exports


def sums() -> dict[str, str]:
    """The SHA-256 of each export, from the build's manifest (empty when the manifest has none)."""
    manifest = Paths(var=Path(current_app.config["VAR_DIR"])).manifest
    try:
        return dict(json.loads(manifest.read_text(encoding="utf-8")).get("exports", {}))
    except (OSError, ValueError):
        return {}


@bp.route("/exports/")
def listing() -> Response:
    """The exports of the current build: name, description, SHA-256 and URL, as JSON."""
    directory, checksums = exports_dir(), sums()
    return jsonify(
        {
            "exports": [
                {"name": name, "title": title, "sha256": checksums.get(name, ""), "url": export_url(name)}
                for name, title in EXPORTS.items()
                if (directory / name).is_file()
            ]
        }
    )


def _network() -> Network:
    directory = exports_dir()
    return per_build(current_app, "export_network", lambda _: read_network(directory / "network.json"))


@bp.route("/exports/<name>")
def export_file(name: str) -> Response:
    """One export; ``?year=YYYY`` on ``network.*`` keeps the partnerships in force during that year."""
    path = exports_dir() / name
    if name not in EXPORTS or not path.is_file():
        abort(404, description=f"No export {name!r} in this build; see /exports/ for the list")
    suffix = Path(name).suffix
    year = request.args.get("year")
    if year is None:
        sha = sums().get(name)
        return send_file(
            path, mimetype=MEDIA_TYPES[suffix], conditional=True, etag=sha or True, max_age=300, download_name=name
        )
    if not name.startswith("network.") or not (year.isdigit() and len(year) == 4):
        raise BadRequest("?year= takes a four-digit year, on network.graphml, network.gexf or network.json")
    body = SERIALIZERS[suffix.lstrip(".")](network_as_of(_network(), int(year))).encode("utf-8")
    response = Response(body, mimetype=MEDIA_TYPES[suffix])
    response.headers["Content-Disposition"] = f'inline; filename="network-{year}{suffix}"'
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "public, max-age=300"
    response.make_conditional(request)
    return response


def init_app(app: Flask) -> None:
    """Register the exports."""
    app.register_blueprint(bp)
