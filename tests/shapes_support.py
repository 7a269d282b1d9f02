"""Helpers for tests that need the data to break a shape."""

from __future__ import annotations

import shutil
from pathlib import Path


def ontology_with_required(tmp_path: Path, target_class: str, path: str, message: str) -> Path:
    """A copy of the project's ontology/ whose shapes also require ``path`` (an IRI) on every ``target_class``.

    Lets a test make real data break a shape without editing the data's format.
    """
    from kg.config import PROJECT_ROOT

    ontology = tmp_path / "ontology"
    shutil.copytree(PROJECT_ROOT / "ontology", ontology)
    with open(ontology / "shapes.ttl", "a", encoding="utf-8") as f:
        f.write(f"""
[] a <http://www.w3.org/ns/shacl#NodeShape> ;
  <http://www.w3.org/ns/shacl#targetClass> <{target_class}> ;
  <http://www.w3.org/ns/shacl#property> [
    <http://www.w3.org/ns/shacl#path> <{path}> ;
    <http://www.w3.org/ns/shacl#minCount> 1 ;
    <http://www.w3.org/ns/shacl#message> "{message}" ] .
""")
    return ontology
