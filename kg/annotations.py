"""Stage 1: read the annotation and registry YAML into typed records, reporting every problem as path:line:col.

The format is documented in ``docs/annotation-format.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from .annotation_checks import check_corpus
from .errors import AnnotationError, AnnotationErrors, display
from .iris import DOC_ID, QID
from .records import Alliance, Corpus, Deal, DealRef, Document, Entity, Investigation, Loc, Quote, Value
from .vocab import (
    ATTRIBUTIONS,
    DEAL_KINDS,
    DEAL_STATUSES,
    FIRM_KINDS,
    INVESTIGATION_KINDS,
    INVESTIGATION_STATUSES,
    PRODUCT_KINDS,
    ROLES,
)
from .yamlread import Field, Reader, boolean, choice, date, decimal, integer, read_text, slug_of, slugs_of, text

CURRENCY = re.compile(r"^[A-Z]{3}$")
LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]+)*$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
DATE_KEYS = ("announced", "signed", "signed_on_or_before", "completed", "starts", "ended")

#: Input size limits, in bytes. A news article and its annotations are a few kilobytes; the registry grows with
#: the corpus (about 1 MB for 6,000 firms) and may be split into several files. Parsing YAML costs about
#: 10 s per megabyte, so the limits also bound the time a bad file can take.
MAX_ANNOTATION_BYTES = 256 * 1024
MAX_REGISTRY_BYTES = 4 * 1024 * 1024
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024


def _quotes(reader: Reader, value: Any, loc: Loc) -> list[Quote]:
    if not isinstance(value, CommentedSeq) or not value:
        reader.error(loc, "evidence: expected a list of at least one quote")
        return []
    spec = {
        "quote": Field(text, required=True),
        "attribution": Field(choice(ATTRIBUTIONS, "attribution"), required=True),
        "prefix": Field(text),
        "suffix": Field(text),
        "speaker": Field(slug_of("people")),
    }
    quotes = []
    for i, item in enumerate(value):
        item_loc = reader.loc(value, index=i)
        got = reader.mapping(item, item_loc, spec, "evidence")
        if got and got.get("quote") and got.get("attribution"):
            quote_loc = reader.loc(item, "quote")
            quotes.append(
                Quote(
                    got["quote"],
                    got["attribution"],
                    quote_loc,
                    got.get("prefix"),
                    got.get("suffix"),
                    got.get("speaker"),
                )
            )
    return quotes


def _roles(reader: Reader, value: Any, loc: Loc) -> dict[str, list[str]]:
    spec = {role: Field(slugs_of("firms")) for role in ROLES}
    return reader.mapping(value, loc, spec, "roles") or {}


def _value(reader: Reader, value: Any, loc: Loc) -> Value | None:
    spec = {
        "amount": Field(decimal),
        "max": Field(decimal),
        "min": Field(decimal),
        "currency": Field(text, required=True),
        "shared": Field(slug_of("")),
    }
    got = reader.mapping(value, loc, spec, "value")
    if not got or not got.get("currency"):
        return None
    if not CURRENCY.match(got["currency"]):
        reader.error(reader.loc(value, "currency"), f"currency '{got['currency']}' is not an ISO 4217 code")
        return None
    if sum(key in got for key in ("amount", "max", "min")) != 1:
        reader.error(loc, "value: give exactly one of 'amount' (exact), 'max' (up to) or 'min' (more than)")
        return None
    return Value(got["currency"], got.get("amount"), got.get("max"), got.get("min"), got.get("shared"))


def _pattern(regex: re.Pattern[str], what: str):  # noqa: ANN202
    def convert(reader: Reader, value: Any, loc: Loc) -> str | None:
        if not isinstance(value, str) or not regex.match(value):
            reader.error(loc, f"'{value}' is not a valid {what}")
            return None
        return value

    return convert


DOCUMENT = {
    "title": Field(text, required=True),
    "publisher": Field(text, required=True),
    "issued": Field(date, required=True),
    "issued_estimated": Field(text),
    "language": Field(_pattern(LANGUAGE, "BCP 47 language tag"), required=True),
    "url": Field(_pattern(re.compile(r"^https?://\S+$"), "URL")),
}
DEAL = {
    "id": Field(slug_of(""), required=True),
    "kind": Field(choice(DEAL_KINDS, "deal kind"), required=True),
    "label": Field(text, required=True),
    "status": Field(choice(DEAL_STATUSES, "status"), required=True),
    "parties": Field(slugs_of("firms")),
    "roles": Field(_roles),
    "domains": Field(slugs_of("domains")),
    "products": Field(slugs_of("products")),
    **{key: Field(date) for key in DATE_KEYS},
    "dates_estimated": Field(text),
    "signatories": Field(slugs_of("people")),
    "expands": Field(slugs_of("deals")),
    "part_of": Field(slugs_of("deals")),
    "formalises": Field(slugs_of("deals")),
    "reaffirms": Field(slugs_of("deals")),
    "ends": Field(slugs_of("deals")),
    "alliance": Field(slug_of("alliances")),
    "establishes": Field(slug_of("alliances")),
    "merges": Field(slugs_of("firms")),
    "creates": Field(slugs_of("firms")),
    "declined_to_comment": Field(slugs_of("firms")),
    "unnamed_parties": Field(integer(1, 10_000)),
    "exclusive": Field(boolean),
    "third_party_licensing": Field(boolean),
    "headcount": Field(integer(0, 10_000_000)),
    "automation_level": Field(integer(0, 5)),
    "value": Field(_value),
    "note": Field(text),
    "evidence": Field(_quotes, required=True),
}
REF = {"ref": Field(slug_of("deals"), required=True), "evidence": Field(_quotes, required=True)}
ALLIANCE = {
    "id": Field(slug_of(""), required=True),
    "label": Field(text, required=True),
    "domains": Field(slugs_of("domains")),
    "founded": Field(date),
    "automation_level": Field(integer(0, 5)),
    "note": Field(text),
    "evidence": Field(_quotes, required=True),
}
INVESTIGATION = {
    "id": Field(slug_of(""), required=True),
    "kind": Field(choice(INVESTIGATION_KINDS, "investigation kind"), required=True),
    "label": Field(text, required=True),
    "status": Field(choice(INVESTIGATION_STATUSES, "investigation status"), required=True),
    "by": Field(slug_of("authorities"), required=True),
    "investigates": Field(slugs_of("firms")),
    "concerns": Field(slugs_of("deals")),
    "started": Field(date),
    "note": Field(text),
    "evidence": Field(_quotes, required=True),
}
ANNOTATION_FILE = {
    "document": Field(lambda r, v, loc: v, required=True),
    "deals": Field(lambda r, v, loc: v),
    "alliances": Field(lambda r, v, loc: v),
    "investigations": Field(lambda r, v, loc: v),
}

_COMMON = {"id": Field(slug_of(""), required=True), "label": Field(text, required=True), "note": Field(text)}
_ALT = Field(lambda r, v, loc: [x for x in (text(r, x, loc) for x in (v if isinstance(v, list) else [v])) if x])
_WIKIDATA = Field(_pattern(QID, "Wikidata id (Q followed by digits)"))
REGISTRY: dict[str, dict[str, Field]] = {
    "firms": {
        **_COMMON,
        "legal_name": Field(text),
        "alt": _ALT,
        "country": Field(_pattern(COUNTRY, "ISO 3166-1 alpha-2 country code")),
        "kind": Field(choice(FIRM_KINDS, "firm kind")),
        "parent": Field(slug_of("firms")),
        "owners": Field(slugs_of("firms")),
        "headcount": Field(integer(0, 10_000_000)),
        "wikidata": _WIKIDATA,
    },
    "brands": {**_COMMON, "alt": _ALT, "owner": Field(slug_of("firms")), "wikidata": _WIKIDATA},
    "authorities": {**_COMMON, "alt": _ALT, "wikidata": _WIKIDATA},
    "people": {**_COMMON, "title": Field(text), "affiliation": Field(slug_of("firms")), "wikidata": _WIKIDATA},
    "products": {
        **_COMMON,
        "kind": Field(choice(PRODUCT_KINDS, "product kind")),
        "maker": Field(slug_of("firms")),
        "alt": _ALT,
    },
}


def _items(reader: Reader, node: Any, key: str) -> Iterable[tuple[Any, Loc]]:
    seq = node.get(key) if isinstance(node, CommentedMap) else None
    if seq is None:
        return []
    if not isinstance(seq, CommentedSeq):
        reader.error(reader.loc(node, key), f"'{key}' must be a list")
        return []
    return [(item, reader.loc(seq, index=i)) for i, item in enumerate(seq)]


def _read_document(reader: Reader, doc_id: str, text_: str) -> Document | None:
    root = reader.load()
    if root is None:
        if not reader.errors:  # an empty file (or only comments) would silently drop its document
            reader.error(Loc(reader.name, 1, 1), "empty annotation file: expected a 'document' block and 'deals'")
        return None
    top = reader.mapping(root, Loc(reader.name, 1, 1), ANNOTATION_FILE, "annotation file")
    if top is None or "document" not in top:
        return None
    meta = reader.mapping(root["document"], reader.loc(root, "document"), DOCUMENT, "document")
    if not meta or not all(k in meta and meta[k] for k in ("title", "publisher", "issued", "language")):
        return None
    doc = Document(
        doc_id,
        text_,
        meta["title"],
        meta["publisher"],
        meta["issued"],
        meta["language"],
        reader.loc(root, "document"),
        meta.get("issued_estimated"),
        meta.get("url"),
    )
    for item, loc in _items(reader, root, "deals"):
        if isinstance(item, CommentedMap) and "ref" in item:
            got = reader.mapping(item, loc, REF, "deal reference")
            if got and got.get("ref"):
                doc.refs.append(DealRef(got["ref"], doc_id, loc, got.get("evidence", [])))
            continue
        got = reader.mapping(item, loc, DEAL, "deal")
        if got and all(got.get(k) for k in ("id", "kind", "label", "status")):
            dates = {k: got[k] for k in DATE_KEYS if got.get(k)}
            fields = {k: v for k, v in got.items() if k not in DATE_KEYS and v is not None}
            doc.deals.append(Deal(doc_id=doc_id, loc=loc, dates=dates, **fields))
    for item, loc in _items(reader, root, "alliances"):
        got = reader.mapping(item, loc, ALLIANCE, "alliance")
        if got and got.get("id") and got.get("label"):
            doc.alliances.append(Alliance(doc_id=doc_id, loc=loc, **{k: v for k, v in got.items() if v is not None}))
    for item, loc in _items(reader, root, "investigations"):
        got = reader.mapping(item, loc, INVESTIGATION, "investigation")
        if got and all(got.get(k) for k in ("id", "kind", "label", "status", "by")):
            fields = {k: v for k, v in got.items() if v is not None}
            doc.investigations.append(Investigation(doc_id=doc_id, loc=loc, **fields))
    return doc


def _read_registry(reader: Reader) -> list[Entity]:
    root = reader.load()
    if root is None:
        return []
    if not isinstance(root, CommentedMap):
        reader.error(Loc(reader.name, 1, 1), f"registry file: expected a mapping with any of {', '.join(REGISTRY)}")
        return []
    entities = []
    for kind in root:
        if kind not in REGISTRY:
            reader.error(reader.loc(root, kind, value=False), f"unknown registry list '{kind}' ({', '.join(REGISTRY)})")
            continue
        for item, loc in _items(reader, root, kind):
            got = reader.mapping(item, loc, REGISTRY[kind], kind)
            if got and got.get("id") and got.get("label"):
                fields = {k: v for k, v in got.items() if k not in ("id", "label") and v is not None}
                entities.append(Entity(kind, got["id"], got["label"], loc, fields))
    return entities


def parse_annotations(seeds: Path, domains: Iterable[str], display_root: Path | None = None) -> Corpus:
    """Read ``seeds/{documents,annotations,registry}`` into a cross-referenced :class:`Corpus`.

    ``domains`` are the technology-domain slugs that exist. Paths in messages are shown relative to
    ``display_root`` (default: the parent of ``seeds``). Raises :class:`AnnotationErrors` with every problem.
    """
    root = display_root or seeds.parent
    readers: list[Reader] = []
    errors: list[AnnotationError] = []
    registry: list[Entity] = []
    for path in sorted((seeds / "registry").glob("*.yaml")):
        reader = Reader(path, display(path, root), MAX_REGISTRY_BYTES)
        registry.extend(_read_registry(reader))
        readers.append(reader)

    documents: list[Document] = []
    doc_dir, ann_dir = seeds / "documents", seeds / "annotations"
    texts = {p.stem: p for p in sorted(doc_dir.glob("*.txt"))}
    for path in sorted(ann_dir.glob("*.yaml")):
        shown = display(path, root)
        if path.stem not in texts:
            errors.append(AnnotationError(shown, 1, 1, f"no document {path.stem}.txt in {display(doc_dir, root)}"))
            continue
        if not DOC_ID.match(path.stem):
            errors.append(AnnotationError(shown, 1, 1, f"'{path.stem}' is not a valid document id"))
            continue
        reader = Reader(path, shown, MAX_ANNOTATION_BYTES)
        readers.append(reader)
        text_ = read_text(texts[path.stem], display(texts[path.stem], root), errors, MAX_DOCUMENT_BYTES)
        if text_ is None:
            continue
        doc = _read_document(reader, path.stem, text_)
        if doc is not None:
            documents.append(doc)
    for stem, path in texts.items():
        if not (ann_dir / f"{stem}.yaml").exists():
            errors.append(AnnotationError(display(path, root), 1, 1, f"document has no annotations/{stem}.yaml"))

    corpus = Corpus(documents, registry)
    for reader in readers:
        errors.extend(reader.problems())
    errors.extend(check_corpus(corpus, readers, set(domains)))
    if errors:
        problem = AnnotationErrors(sorted(errors, key=lambda e: (e.path, e.line, e.col)))
        problem.corpus = corpus  # what could be read, so later checks can still report their findings
        raise problem
    return corpus
