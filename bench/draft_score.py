"""How good are drafts? ``autoalliance draft`` on each annotated article, scored against its real annotation.

For every document of a seeds directory, a temporary copy holds the registry and that document alone (its
annotation removed); ``draft`` runs on it with the real annotation's publication date as ``--issued``, then the
copy is validated, and the draft is compared with the real annotation:

- firms: the firms that the deals name (parties and roles), as sets per document;
- deals: a real deal is found when a drafted deal has the same firms and the same kind ("kind and parties"), or
  at least the same firms ("parties"); pairs are matched one to one; a ``ref`` counts as the deal it cites;
- dates, status: over the deals found with kind and parties, the date keys and the status that agree;
- attribution: over the real evidence quotes that a drafted quote contains (or is contained in), the share
  with the same attribution.

Precision is over what the draft proposes, recall over what the real annotation states.

    python -m bench.draft_score [--seeds seeds] [--extra tests/data/extra] [--markdown]

``--extra`` adds documents whose registry file (``registry/<doc-id>.yaml``) is left out of the copy, so that the
entries the draft proposes for the registry are scored too.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from kg.build import compile_dataset
from kg.config import Paths
from kg.draft import draft_document
from kg.draft_dates import parse_issued
from kg.errors import KGError

LOADER = YAML(typ="safe", pure=True)


def load(path: Path) -> Any:
    return LOADER.load(path.read_text(encoding="utf-8")) or {}


def as_list(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def firms_of(deal: dict[str, Any]) -> frozenset[str]:
    firms = set(as_list(deal.get("parties")))
    for value in (deal.get("roles") or {}).values():
        firms |= set(as_list(value))
    return frozenset(firms)


def deals_of(annotation: dict[str, Any], defined: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """The deals of an annotation, a ``ref`` replaced by the deal it cites (with the ref's evidence)."""
    deals = []
    for deal in annotation.get("deals") or []:
        if "ref" in deal:
            target = defined.get(str(deal["ref"]))
            if target is not None:
                deals.append({**target, "evidence": deal.get("evidence") or []})
        else:
            deals.append(deal)
    return deals


@dataclass
class Score:
    """Counts for one document (or the sum of several)."""

    gold_firms: int = 0
    draft_firms: int = 0
    firms_found: int = 0
    gold_deals: int = 0
    draft_deals: int = 0
    deals_kind_parties: int = 0
    deals_parties: int = 0
    dates_gold: int = 0
    dates_right: int = 0
    status_right: int = 0
    quotes_gold: int = 0
    quotes_found: int = 0
    attribution_right: int = 0
    proposals_expected: int = 0
    proposals_found: int = 0
    validates: int = 0
    documents: int = 0
    seconds: float = 0.0
    missed: list[str] = field(default_factory=list)

    def add(self, other: Score) -> None:
        for name, value in vars(other).items():
            if name == "missed":
                self.missed.extend(value)
            else:
                setattr(self, name, getattr(self, name) + value)


def _match(gold: list[dict[str, Any]], draft: list[dict[str, Any]], same_kind: bool) -> list[tuple[int, int]]:
    pairs, used = [], set()
    for i, g in enumerate(gold):
        for j, d in enumerate(draft):
            if j in used or firms_of(g) != firms_of(d) or (same_kind and g.get("kind") != d.get("kind")):
                continue
            pairs.append((i, j))
            used.add(j)
            break
    return pairs


def _span(text: str, quote: dict[str, Any]) -> tuple[int, int] | None:
    exact = str(quote.get("quote", ""))
    start = text.find(str(quote.get("prefix") or "") + exact)
    if start < 0:
        return None
    start += len(str(quote.get("prefix") or ""))
    return start, start + len(exact)


def score_document(text: str, gold: list[dict[str, Any]], draft: list[dict[str, Any]]) -> Score:
    s = Score(documents=1)
    gold_firms = set().union(*(firms_of(d) for d in gold)) if gold else set()
    draft_firms = set().union(*(firms_of(d) for d in draft)) if draft else set()
    s.gold_firms, s.draft_firms, s.firms_found = len(gold_firms), len(draft_firms), len(gold_firms & draft_firms)
    s.gold_deals, s.draft_deals = len(gold), len(draft)
    strict = _match(gold, draft, same_kind=True)
    s.deals_kind_parties = len(strict)
    s.deals_parties = len(_match(gold, draft, same_kind=False))
    matched = {i for i, _ in strict}
    s.missed = [
        f"{g.get('id', g.get('ref'))} ({g.get('kind')}: {', '.join(sorted(firms_of(g)))})"
        for i, g in enumerate(gold)
        if i not in matched
    ]
    for i, j in strict:
        g, d = gold[i], draft[j]
        for key in ("announced", "signed", "starts", "ended"):
            if key in g:
                s.dates_gold += 1
                s.dates_right += str(g[key]) == str(d.get(key))
        s.status_right += g.get("status") == d.get("status")
    drafted = [(_span(text, q), q.get("attribution")) for d in draft for q in d.get("evidence") or []]
    seen: set[tuple[int, int]] = set()
    for deal in gold:
        for quote in deal.get("evidence") or []:
            span = _span(text, quote)
            if span is None or span in seen:
                continue
            seen.add(span)
            s.quotes_gold += 1
            hits = [
                a
                for sp, a in drafted
                if sp and (sp[0] <= span[0] and span[1] <= sp[1] or span[0] <= sp[0] and sp[1] <= span[1])
            ]
            if hits:
                s.quotes_found += 1
                s.attribution_right += quote.get("attribution") in hits
    return s


def score_corpus(seeds: Path, extra: Path | None = None) -> tuple[dict[str, Score], Score]:
    """Draft and score every annotated document of ``seeds`` (and of ``extra``); per document and in total."""
    sources = [(seeds, p) for p in sorted((seeds / "annotations").glob("*.yaml"))]
    if extra is not None:
        sources += [(extra, p) for p in sorted((extra / "annotations").glob("*.yaml"))]
    defined: dict[str, dict[str, Any]] = {}
    for _root, path in sources:
        for deal in load(path).get("deals") or []:
            if "id" in deal:
                defined[str(deal["id"])] = deal
    results: dict[str, Score] = {}
    total = Score()
    for root, path in sources:
        doc_id = path.stem
        gold_annotation = load(path)
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "seeds"
            (copy / "documents").mkdir(parents=True)
            (copy / "annotations").mkdir()
            shutil.copytree(seeds / "registry", copy / "registry")
            expected: list[dict[str, Any]] = []
            if root != seeds:  # an extra document: its registry entries are what the draft should propose
                expected = [*(load(root / "registry" / f"{doc_id}.yaml").get("firms") or [])]
            text_path = copy / "documents" / f"{doc_id}.txt"
            shutil.copy2(root / "documents" / f"{doc_id}.txt", text_path)
            issued = parse_issued(str(gold_annotation["document"]["issued"]))
            started = time.perf_counter()
            result = draft_document(text_path, copy, issued)
            seconds = time.perf_counter() - started
            try:
                validates = compile_dataset(Paths(seeds=copy)).report.conforms
            except KGError as exc:
                print(f"{doc_id}: the draft does not validate: {exc}", file=sys.stderr)
                validates = False
            drafted = load(result.annotation)
            proposed = load(result.registry).get("firms") or [] if result.registry else []
        text = (root / "documents" / f"{doc_id}.txt").read_text(encoding="utf-8")
        score = score_document(text, deals_of(gold_annotation, defined), deals_of(drafted, {}))
        score.validates, score.seconds = int(validates), seconds
        score.proposals_expected = len(expected)
        names = {str(p.get("label")) for p in proposed} | {str(p.get("legal_name")) for p in proposed}
        score.proposals_found = sum(str(e.get("label")) in names for e in expected)
        results[doc_id] = score
        total.add(score)
    return results, total


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.0f} % ({n}/{d})" if d else "n/a"


def table(results: dict[str, Score], total: Score) -> str:
    """A Markdown table: one row per document and the total."""
    head = (
        "| document | firms recall | firms precision | deals recall (kind and parties) | deals recall "
        "(parties) | deals precision (kind and parties) | dates right | status right | quotes found | "
        "attribution right | validates |"
    )
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for name, s in [*results.items(), ("**total**", total)]:
        lines.append(
            f"| {name} | {pct(s.firms_found, s.gold_firms)} | {pct(s.firms_found, s.draft_firms)} | "
            f"{pct(s.deals_kind_parties, s.gold_deals)} | {pct(s.deals_parties, s.gold_deals)} | "
            f"{pct(s.deals_kind_parties, s.draft_deals)} | {pct(s.dates_right, s.dates_gold)} | "
            f"{pct(s.status_right, s.deals_kind_parties)} | {pct(s.quotes_found, s.quotes_gold)} | "
            f"{pct(s.attribution_right, s.quotes_found)} | {s.validates}/{s.documents} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=Paths().seeds)
    parser.add_argument("--extra", type=Path, help="documents with their own registry file, scored for proposals")
    parser.add_argument("--show-missed", action="store_true", help="list the real deals the drafts missed")
    args = parser.parse_args(argv)
    results, total = score_corpus(args.seeds, args.extra)
    print(table(results, total))
    if total.proposals_expected:
        print(f"\nnew registry entries proposed: {pct(total.proposals_found, total.proposals_expected)}")
    print(f"\ndraft time per document: {total.seconds / max(total.documents, 1):.2f} s")
    if args.show_missed:
        print("\nmissed:\n" + "\n".join(f"- {m}" for m in total.missed))
    return 0


if __name__ == "__main__":
    sys.exit(main())
