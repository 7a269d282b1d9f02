"""``autoalliance draft``: a first annotation of a new article, for an analyst to review.

It reads ``<seeds>/documents/<doc-id>.txt``, finds the firms, people, products, domains, deals, dates, values and
attributions the text states (rules in ``kg/lexicon/``, no network, no model), and writes
``<seeds>/annotations/<doc-id>.yaml`` and, when the text names entries the registry lacks,
``<seeds>/registry/<doc-id>.yaml``. Every quote is a whole sentence of the text that anchors uniquely; every
uncertain choice carries a ``# check:`` comment. The draft validates as it is: it is a starting point.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .config import Paths
from .document_sums import record_sum
from .draft_dates import DateFinder
from .draft_facts import Attributor, Context, Draft, DraftDeal, References, ValueFinder, draft_sentences
from .draft_lexicon import Registry, domain_names, load_rules, read_registry
from .draft_names import Proposal, find_names, slugify
from .draft_render import render_document, render_registry
from .draft_text import split_sentences
from .errors import KGError
from .iris import DOC_ID
from .records import PartialDate

REGISTRY_NOTE = "Registry entries proposed by `autoalliance draft` for documents/{doc}.txt: review each one."
NOTE = (
    "Drafted by `autoalliance draft` from documents/{doc}.txt. Review it against the text: every "
    "`# check:` comment marks a guess. Then run `autoalliance validate`."
)


@dataclass
class DraftResult:
    """What a draft wrote, and how much it found."""

    annotation: Path
    registry: Path | None
    deals: int
    alliances: int
    proposals: list[Proposal] = field(default_factory=list)
    checks: int = 0


def _header(
    text: str,
    sentences: list,
    finder: DateFinder,
    issued: PartialDate | None,  # noqa: ANN001
) -> tuple[dict[str, object], dict[str, list[str]]]:
    header: dict[str, object] = {}
    checks: dict[str, list[str]] = {}
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title = next(
        (line for line in lines[:5] if 4 <= len(line.split()) <= 25 and not line.endswith(".")),
        sentences[0].text if sentences else "untitled",
    )
    header["title"] = title
    checks["title"] = ["taken from the first lines of the text: use the article's headline"]
    header["publisher"] = "unknown"
    checks["publisher"] = ["the draft cannot tell the publisher: name it (the site or paper that published it)"]
    if issued is not None:
        header["issued"] = issued
    else:
        opening = [d for s in sentences[:3] for d in finder.find(s.text, None) if d.date and d.reason is None]
        dated = [d for d in opening if d.date is not None and d.date.day is not None]
        if dated:
            header["issued"] = dated[0].date
            checks["issued"] = [f"the dateline '{dated[0].surface}' taken as the publication date"]
        else:
            years = [
                d.date.year
                for s in sentences
                for d in finder.find(s.text, None)
                if d.date and d.reason is None and d.date.year <= 2100
            ]
            year = max(years) if years else 2000
            header["issued"] = PartialDate(year)
            header["issued_estimated"] = (
                f"Undated text; {year} is the latest year it mentions"
                if years
                else "Undated text that mentions no year"
            )
            checks["issued"] = ["no publication date given (--issued) nor found: relative dates are unresolved"]
    header["language"] = "en"
    checks["language"] = ["assumed English"]
    return header, checks


def _name_deals(draft: Draft, registry: Registry, rules: dict) -> None:  # noqa: ANN001
    """Ids and labels for the drafted alliances and deals, unique across the corpus; a deal the corpus already
    defines with the same kind and firms becomes a ``ref``."""
    words, kind_slugs = rules["deals"]["kind_words"], rules["deals"]["kind_slugs"]
    taken = set(registry.deal_ids) | set(registry.alliance_ids)

    def unique(base: str) -> str:
        candidate, n = base, 2
        while candidate in taken:
            candidate, n = f"{base}-{n}", n + 1
        taken.add(candidate)
        return candidate

    for alliance in draft.alliances:
        word = "platform" if any(re.search(r"\bplatform\b", q.quote, re.I) for q in alliance.evidence) else "alliance"
        alliance.id = unique(slugify("-".join(alliance.founders[:3]) + f"-{word}"))
        alliance.label = f"{'–'.join(alliance.names[:3])} {word}"
        alliance.checks.append("label and id made from the founders' names: name the alliance as the text does")
    for deal in draft.deals:
        same = [i for i, (kind, firms) in registry.deals.items() if kind == deal.kind and firms == deal.all_firms()]
        if len(same) == 1 and not deal.establishes and not deal.alliance:
            deal.ref = same[0]
            deal.checks.insert(
                0,
                f"the corpus already defines {same[0]} with the same kind and firms: cited here; "
                "make it a new deal if this is another one",
            )
            continue
        firms = sorted(deal.all_firms(), key=lambda f: [*deal.parties, *sum(deal.roles.values(), [])].index(f))
        first = min(deal.dates.values(), default=None)
        year = f"-{first.year}" if first else ""
        if deal.kind == "AllianceMembership" and deal.alliance is not None:
            deal.id = unique(f"{firms[0]}-joins-{deal.alliance.id}")
            deal.label = f"{deal.names[0]} joins the {deal.alliance.label}"
        else:
            deal.id = unique(slugify("-".join(firms[:3]) + year + "-" + kind_slugs.get(deal.kind, "deal")))
            shown = "–".join(deal.names[:3]) + (" and others" if len(deal.names) > 3 else "")
            when = f" ({first.isoformat()})" if first else ""
            deal.label = f"{shown} {words.get(deal.kind, deal.kind)}{when}"
        deal.checks.insert(0, f"kind {deal.kind} and status {deal.status} from the wording of the evidence")


def draft_document(
    document: Path,
    seeds: Path | None = None,
    issued: PartialDate | None = None,
    force: bool = False,
    ontology: Path | None = None,
) -> DraftResult:
    """Draft the annotation (and proposed registry entries) of ``document``, a text under ``<seeds>/documents/``.

    Raises ``KGError`` when the document is not there, its name is not a document id, or the annotation exists
    and ``force`` is not given.
    """
    paths = Paths(seeds=seeds) if seeds else Paths()
    document = Path(document)
    if not document.is_file():
        candidate = paths.documents / document.name
        if not candidate.is_file():
            raise KGError(f"{document}: no such article; save it under {paths.documents}/ first")
        document = candidate
    if document.resolve().parent != paths.documents.resolve():
        raise KGError(f"{document}: the article must be saved under {paths.documents}/ (it is drafted there)")
    doc_id = document.stem
    if document.suffix != ".txt" or not DOC_ID.match(doc_id):
        raise KGError(f"{document}: not a document name (<doc-id>.txt with letters, digits, '_' and '-')")
    annotation = paths.annotations / f"{doc_id}.yaml"
    registry_file = paths.registry / f"{doc_id}.yaml"
    ours = registry_file.exists() and registry_file.read_text(encoding="utf-8", errors="replace").startswith(
        "# " + REGISTRY_NOTE.split("{")[0]
    )
    if registry_file.exists() and not ours:
        raise KGError(
            f"{registry_file}: a registry file that no draft wrote has the document's name (or its "
            "first line was edited); draft never overwrites it: rename the document or that file"
        )
    for target in (annotation, registry_file):
        if target.exists() and not force:
            raise KGError(f"{target}: already exists; review it, or redraft with --force to overwrite it")
    try:
        text = document.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KGError(f"{document}: not UTF-8 text ({exc})") from exc

    rules = load_rules(paths.seeds)
    registry = read_registry(paths.seeds, skip={doc_id})
    sentences = split_sentences(text)
    finder = DateFinder(rules["dates"], issued)
    header, header_checks = _header(text, sentences, finder, issued)
    reference_date = header["issued"] if "issued_estimated" not in header else None
    finder = DateFinder(rules["dates"], reference_date)  # type: ignore[arg-type]
    names = find_names(text, sentences, registry, rules["names"])
    ctx = Context(text, names, registry, rules, domain_names(ontology or paths.ontology, rules), finder)
    draft = draft_sentences(
        ctx, sentences, Attributor(rules["attribution"]), ValueFinder(rules["values"]), References(rules["names"])
    )
    _name_deals(draft, registry, rules)
    used = _used_proposals(draft.deals, names.proposals)

    notes = [NOTE.format(doc=doc_id)]
    if draft.unresolved:
        notes += [f"check: not drafted: {u}" for u in draft.unresolved]
    if not draft.deals:
        notes.append("check: no deal found; annotate by hand (docs/annotation-guide.md)")
    paths.annotations.mkdir(parents=True, exist_ok=True)
    annotation.write_text(render_document(header, header_checks, draft.deals, draft.alliances, notes), encoding="utf-8")
    written_registry = None
    if used:
        registry_file.write_text(render_registry(used, [REGISTRY_NOTE.format(doc=doc_id)]), encoding="utf-8")
        written_registry = registry_file
    elif registry_file.exists() and force:
        registry_file.unlink()  # the previous draft's proposals, which this one no longer needs
    record_sum(document)
    checks = annotation.read_text(encoding="utf-8").count("# check:")
    return DraftResult(annotation, written_registry, len(draft.deals), len(draft.alliances), used, checks)


def _used_proposals(deals: list[DraftDeal], proposals: list[Proposal]) -> list[Proposal]:
    """The proposed entries the draft refers to (a deal's firm, a signatory) and the people of proposed or
    known firms; an unused proposal is still listed, as a reviewer may want it."""
    return list(proposals)
