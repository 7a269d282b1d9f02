"""Documents served as HTML or RDF at one path (the ontology, the VoID description, the DCAT catalogue): what
their routes share around the document itself.

A suffix that is not ``html`` or an RDF suffix is a 404; the representation is the suffix's, or else the one
``Accept`` prefers (:func:`server.formats.choose_representation`), and a 406 in the common error shape when none
fits; every answer, errors included, carries ``Link: <...>; rel="alternate"`` for the other representations and,
when negotiated, ``Vary: Accept``.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Response, abort, request

from .errors import error_response
from .formats import choose_representation
from .rdf_formats import BY_SUFFIX, HTML, RDF_MEDIA_TYPES, link_header


def document_response(
    ext: str | None, base_path: str, render: Callable[[str], Response], rdf_first: bool = False
) -> Response:
    """The response of the document at ``base_path`` asked for with suffix ``ext`` (``None`` for none):
    ``render(media_type)`` once the representation is chosen. ``rdf_first``: a missing or indifferent ``Accept``
    gets Turtle rather than HTML. Aborts with 404 for an unknown suffix."""
    if ext is not None and ext != "html" and ext not in BY_SUFFIX:
        abort(404)
    media_type = choose_representation(ext, request.headers.get("Accept"), rdf_first=rdf_first)
    if media_type is None:
        offered = [*RDF_MEDIA_TYPES, HTML] if rdf_first else [HTML, *RDF_MEDIA_TYPES]
        response = error_response(406, "Available as " + ", ".join(offered))
    else:
        response = render(media_type)
    response.headers["Link"] = link_header(base_path, media_type)
    if ext is None:
        response.vary.add("Accept")
    return response
