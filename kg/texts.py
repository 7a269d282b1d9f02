"""The article texts and the ontology files as outputs of the build: ``builds/<build-id>/texts/<doc-id>.txt``
and ``builds/<build-id>/ontology/*.ttl``.

The graph carries quotes and offsets, not whole texts; the document pages show the whole text with the quotes
marked, so the build puts a copy of each text beside the store, and the server reads build outputs only (never
``seeds/``). Each text is kept once, under the SHA-256 of its content, in the cache (``cache/texts/``), and a
build's ``texts/`` holds hard links to those entries: a build after a small change writes one link per document
and copies only the texts that changed. The ontology's few files are copied whole.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from .cache import Cache
from .iris import DOC_ID


def write_texts(target: Path, documents: Iterable[tuple[str, str, Path]], cache_root: Path) -> int:
    """Put the text of every ``(doc id, SHA-256 of the text, text file)`` into the new directory ``target`` as
    ``<doc id>.txt``: a link to the cache entry of that digest, which is written (from the file) only when the
    cache lacks it. The digest is the one the read stage computed (:func:`kg.cache.file_digest`), so no text is
    read again.

    Returns how many texts were written. Raises ``OSError`` when a text cannot be read or written.
    """
    target.mkdir(parents=True, exist_ok=True)
    texts = Cache(cache_root, "texts")
    count = 0
    for doc_id, key, source in documents:
        kept = texts.file(key, ".txt")
        if not os.path.exists(kept):
            data = source.read_bytes()
            # filed under the digest of what is read now: a text changed since it was read never takes another's key
            kept = str(texts.put_bytes(hashlib.sha256(data).hexdigest(), data, ".txt"))
        link = os.path.join(target, f"{doc_id}.txt")
        try:
            os.link(kept, link)
        except OSError:  # a file system without hard links, or the cache on another device
            shutil.copyfile(kept, link)
        count += 1
    return count


def copy_ontology(target: Path, ontology: Path, names: Iterable[str]) -> None:
    """Copy the ontology's Turtle files ``names`` from the directory ``ontology`` into the new directory
    ``target`` (what ``/ontology`` serves: the files this build was made from)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(ontology / name, target / name)


def read_text(texts_dir: Path, doc_id: str) -> str | None:
    """The text of ``doc_id`` in a build's ``texts/`` directory, or ``None`` when the id is not a document id
    or the build has no text for it. The id is checked against :data:`kg.iris.DOC_ID` and the resolved path
    must stay inside ``texts_dir``, so no caller can name another file."""
    if not DOC_ID.fullmatch(doc_id):
        return None
    root = texts_dir.resolve()
    path = (root / f"{doc_id}.txt").resolve()
    if path.parent != root or not path.is_file():
        return None
    return path.read_text(encoding="utf-8")
