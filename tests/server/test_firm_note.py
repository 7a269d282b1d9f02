"""A firm's registry `note` (rdfs:comment) is shown on its page: what the texts do not say about it."""

from __future__ import annotations

from flask.testing import FlaskClient

HTML = {"Accept": "text/html"}


def test_firm_page_shows_the_registry_note(corpus_client: FlaskClient) -> None:
    page = corpus_client.get("/id/firm/daimler", headers=HTML).text
    note = "Daimler AG in the texts; renamed Mercedes-Benz Group AG in 2022 (the same legal entity)."
    assert f'<dt>Note</dt><dd class="note">{note}</dd>' in page


def test_firm_page_without_a_note_has_no_note(corpus_client: FlaskClient) -> None:
    page = corpus_client.get("/id/firm/bmw", headers=HTML).text
    assert 'class="note"' not in page
