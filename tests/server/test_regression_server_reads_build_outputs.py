"""Regression: the server read build inputs at request time (document pages took the article text from
``seeds/documents/``, ``/ontology`` the files of ``ontology/``). The build now writes both into its own directory
(``texts/``, ``ontology/``), and a server over a build whose inputs are gone shows the same pages."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

from flask import Flask

from kg.build import build
from kg.config import PROJECT_ROOT, Paths

CORPUS = PROJECT_ROOT / "tests" / "data" / "corpus"


def test_pages_come_from_the_build_when_its_inputs_are_gone(tmp_path: Path, make_app: Callable[..., Flask]) -> None:
    seeds, ontology = tmp_path / "seeds", tmp_path / "ontology"
    shutil.copytree(CORPUS, seeds)
    shutil.copytree(PROJECT_ROOT / "ontology", ontology)
    paths = Paths(seeds=seeds, ontology=ontology, var=tmp_path / "var")
    build(paths)
    doc_id = sorted(p.stem for p in (seeds / "documents").glob("*.txt"))[0]
    text = (seeds / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8")
    turtle = (ontology / "autoalliance.ttl").read_bytes()
    assert (paths.texts / f"{doc_id}.txt").read_text(encoding="utf-8") == text
    shutil.rmtree(seeds)
    shutil.rmtree(ontology)

    client = make_app(VAR_DIR=str(paths.var)).test_client()
    page = client.get(f"/id/document/{doc_id}", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "<mark" in page.text and "not available" not in page.text
    served = client.get("/ontology", headers={"Accept": "text/turtle"})
    assert served.status_code == 200 and served.data == turtle
    assert client.get("/ontology/shapes", headers={"Accept": "text/turtle"}).status_code == 200
    assert client.get("/id/document/..%2F..%2Fetc%2Fpasswd", headers={"Accept": "text/html"}).status_code == 404


def test_a_rebuild_links_unchanged_texts_instead_of_copying_them(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(CORPUS, seeds)
    paths = Paths(seeds=seeds, var=tmp_path / "var")
    build(paths)
    first = {p.name: os.stat(p).st_ino for p in paths.texts.glob("*.txt")}
    changed = sorted(seeds.glob("documents/*.txt"))[0]
    build(paths)  # the same inputs again: the same files, linked
    assert {p.name: os.stat(p).st_ino for p in paths.texts.glob("*.txt")} == first
    assert len(first) == len(list(seeds.glob("documents/*.txt")))
    assert all(os.stat(p).st_nlink >= 2 for p in paths.texts.glob("*.txt"))  # the cache entry and this build
    assert (paths.texts / changed.name).read_bytes() == changed.read_bytes()
