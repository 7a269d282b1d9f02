"""Regression: ``Accept: application/json``, ``text/n3`` and ``application/x-turtle`` were refused (406) on
resource pages, the ontology, the VoID and the catalogue while ``/sparql`` understood them. Every document that
is served as HTML or RDF now chooses its format through one helper, ``server.formats.choose_representation``."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

PATHS = ["/id/firm/bmw", "/ontology", "/.well-known/void", "/catalog"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [
        ("application/json", "application/ld+json"),
        ("text/n3", "text/turtle"),
        ("application/x-turtle", "text/turtle"),
        ("text/html,application/xhtml+xml;q=0.9,*/*;q=0.8", "text/html"),
    ],
)
def test_aliases_are_understood(client: FlaskClient, path: str, accept: str, media_type: str) -> None:
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == media_type


@pytest.mark.parametrize("path", PATHS)
def test_nothing_acceptable_is_406(client: FlaskClient, path: str) -> None:
    assert client.get(path, headers={"Accept": "image/png"}).status_code == 406
