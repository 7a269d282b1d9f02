"""Numbered releases (``kg.releases``) at ``/releases/`` (HTML or JSON), each with its checksums, changelog and,
for the last releases kept, its dumps and exports at ``/releases/<number>/<name>``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, render_template, send_file

from kg.config import Paths
from kg.exports import MEDIA_TYPES
from kg.releases import CHANGELOG, INDEX, read_index

from .dumps import media_type
from .paging import json_requested
from .urls import release_file_url, release_url

bp = Blueprint("releases", __name__)


def releases_dir() -> Path:
    """Where the releases are kept."""
    return Paths(var=Path(current_app.config["VAR_DIR"])).releases


def _with_urls(entry: dict[str, Any]) -> dict[str, Any]:
    files = {
        part: {
            name: {"sha256": sha, "url": release_file_url(entry["number"], name) if entry.get("available") else None}
            for name, sha in entry.get(part, {}).items()
        }
        for part in ("dumps", "exports")
    }
    return {**entry, **files, "url": release_url(entry["number"])}


@bp.route("/releases/")
def listing() -> Response | str:
    """Every release, newest first."""
    entries = [_with_urls(e) for e in reversed(read_index(releases_dir()))]
    if json_requested():
        return jsonify({"releases": entries})
    return render_template("releases.html", releases=entries, label="Releases")


@bp.route("/releases/<int:number>/")
def release(number: int) -> Response | str:
    """One release with its full changelog."""
    entry = next((e for e in read_index(releases_dir()) if e["number"] == number), None)
    if entry is None:
        abort(404, description=f"There is no release {number}")
    path = releases_dir() / str(number) / CHANGELOG
    changes = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    data = {**_with_urls(entry), "changes": changes}
    if json_requested():
        return jsonify(data)
    return render_template("release.html", release=data, label=f"Release {number}")


@bp.route("/releases/<int:number>/<name>")
def release_file(number: int, name: str) -> Response:
    """A dump or export kept with release ``number``; only names the release lists are served."""
    entry = next((e for e in read_index(releases_dir()) if e["number"] == number), None)
    part = next((p for p in ("dumps", "exports") if entry is not None and name in entry.get(p, {})), None)
    if entry is None or part is None:
        abort(404, description=f"Release {number} has no file {name!r}")
    path = releases_dir() / str(number) / part / name
    if not entry.get("available") or not path.is_file():
        abort(410, description=f"The files of release {number} are no longer kept; its checksums still are")
    mimetype = media_type(name) if part == "dumps" else MEDIA_TYPES.get(Path(name).suffix, "application/octet-stream")
    return send_file(
        path, mimetype=mimetype, conditional=True, etag=entry[part][name], max_age=86400, download_name=name
    )


def init_app(app: Flask) -> None:
    """Register the releases (pages' validators also depend on the releases index, see ``page_guard``)."""
    app.register_blueprint(bp)
    app.extensions.setdefault("autoalliance_pages", {})["releases_index"] = lambda: releases_dir() / INDEX
