"""Registers one blueprint per concern, and the headers every response carries."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import dcat, errors, headers, pages, site_meta, sparql

    errors.init_app(app)
    headers.init_app(app)
    sparql.init_app(app)
    pages.init_app(app)
    site_meta.init_app(app)
    dcat.init_app(app)
