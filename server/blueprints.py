"""Registers one blueprint per concern."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from . import sparql

    sparql.init_app(app)
    try:
        from . import pages
    except ImportError:  # pages are optional while the module does not exist yet
        return
    pages.init_app(app)
