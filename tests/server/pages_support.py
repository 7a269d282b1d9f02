"""Helpers shared by the page and linked-data tests: small synthetic datasets and store handles."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.config import Paths
from kg.store import write_store


def make_var(root: Path, trig: str) -> Path:
    """A var directory under ``root`` whose store holds the TriG text ``trig``."""
    quads = list(ox.parse(trig.encode("utf-8"), format=ox.RdfFormat.TRIG))
    write_store(quads, Paths(var=root).store)
    Paths(var=root).dumps.mkdir(parents=True, exist_ok=True)
    return root


def store_of(var: Path) -> ox.Store:
    """A read-only handle on the store of ``var``."""
    return ox.Store.read_only(str(Paths(var=var).store))


PREFIXES = """
@prefix aa: <https://w3id.org/autoalliance/ontology#> .
@prefix firm: <https://w3id.org/autoalliance/id/firm/> .
@prefix deal: <https://w3id.org/autoalliance/id/deal/> .
@prefix domain: <https://w3id.org/autoalliance/id/domain/> .
@prefix doc: <https://w3id.org/autoalliance/id/document/> .
@prefix graph: <https://w3id.org/autoalliance/graph/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix dcterms: <http://purl.org/dc/terms/> .
"""
