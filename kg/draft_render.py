"""A draft as the YAML of ``docs/annotation-format.md``, with a ``# check:`` comment on every uncertain choice."""

from __future__ import annotations

import io
import json
from typing import Any

from ruamel.yaml import YAML

from .draft_facts import DraftAlliance, DraftDeal, DraftQuote
from .draft_names import Proposal
from .records import PartialDate

_LOADER = YAML(typ="safe", pure=True)


def scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when it reads back unchanged as a string, double-quoted otherwise."""
    if value and "\n" not in value and " #" not in value and not value.endswith(":"):
        try:
            if _LOADER.load(io.StringIO(f"k: {value}\n")) == {"k": value}:
                return value
        except Exception:  # noqa: BLE001 - anything the loader rejects is simply quoted
            pass
    return json.dumps(value, ensure_ascii=False)


def slugs(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def comment(lines: list[str], indent: str, checks: list[str]) -> None:
    for check in checks:
        lines.append(f"{indent}# check: {' '.join(check.split())}")


def _quotes(lines: list[str], indent: str, evidence: list[DraftQuote]) -> None:
    lines.append(f"{indent}evidence:")
    for q in evidence:
        lines.append(f"{indent}  - quote: {scalar(q.quote)}")
        for key, context in (("prefix", q.prefix), ("suffix", q.suffix)):
            if context is not None:
                lines.append(f"{indent}    {key}: {scalar(context)}")
                comment(lines, f"{indent}    ", [f"the sentence occurs more than once: the {key} selects this one"])
        lines.append(f"{indent}    attribution: {q.attribution}")
        comment(lines, f"{indent}    ", q.checks)


def render_document(
    header: dict[str, Any],
    header_checks: dict[str, list[str]],
    deals: list[DraftDeal],
    alliances: list[DraftAlliance],
    notes: list[str],
) -> str:
    """The annotation file of one document."""
    lines = [f"# {n}" for n in notes]
    lines.append("document:")
    for key in ("title", "publisher", "url", "issued", "issued_estimated", "language"):
        if key not in header:
            continue
        comment(lines, "  ", header_checks.get(key, []))
        value = header[key]
        lines.append(f"  {key}: {value.isoformat() if isinstance(value, PartialDate) else scalar(str(value))}")
    if deals:
        lines += ["", "deals:"]
    for deal in deals:
        if deal.ref:
            lines.append(f"  - ref: {deal.ref}")
            comment(lines, "    ", deal.checks)
            _quotes(lines, "    ", deal.evidence)
            lines.append("")
            continue
        lines.append(f"  - id: {deal.id}")
        comment(lines, "    ", deal.checks)
        lines.append(f"    kind: {deal.kind}")
        lines.append(f"    label: {scalar(deal.label)}")
        lines.append(f"    status: {deal.status}")
        if deal.parties:
            lines.append(f"    parties: {slugs(deal.parties)}")
        if deal.roles:
            lines.append("    roles:")
            for role, firms in deal.roles.items():
                lines.append(f"      {role}: {firms[0] if len(firms) == 1 else slugs(firms)}")
        if deal.domains:
            lines.append(f"    domains: {slugs(deal.domains)}")
        if deal.products:
            lines.append(f"    products: {slugs(deal.products)}")
        for key in ("announced", "signed", "starts", "ended"):
            if key in deal.dates:
                lines.append(f"    {key}: {deal.dates[key].isoformat()}")
        if deal.dates_estimated:
            lines.append(f"    dates_estimated: {scalar('; '.join(deal.dates_estimated))}")
        if deal.signatories:
            lines.append(f"    signatories: {slugs(deal.signatories)}")
        if deal.alliance is not None:
            lines.append(f"    alliance: {deal.alliance.id}")
        if deal.establishes is not None:
            lines.append(f"    establishes: {deal.establishes.id}")
        if deal.value:
            lines.append("    value: {" + ", ".join(f"{k}: {v}" for k, v in deal.value.items()) + "}")
        _quotes(lines, "    ", deal.evidence)
        lines.append("")
    if alliances:
        lines += ["alliances:"]
    for alliance in alliances:
        lines.append(f"  - id: {alliance.id}")
        comment(lines, "    ", alliance.checks)
        lines.append(f"    label: {scalar(alliance.label)}")
        if alliance.domains:
            lines.append(f"    domains: {slugs(alliance.domains)}")
        if alliance.founded:
            lines.append(f"    founded: {alliance.founded.isoformat()}")
        _quotes(lines, "    ", alliance.evidence)
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def render_registry(proposals: list[Proposal], notes: list[str]) -> str:
    """The registry file of the entries a draft proposes."""
    lines = [f"# {n}" for n in notes]
    for kind in ("firms", "people"):
        items = [p for p in proposals if p.kind == kind]
        if not items:
            continue
        lines.append(f"{kind}:")
        for proposal in items:
            lines.append(f"  - id: {proposal.id}")
            comment(lines, "    ", proposal.checks)
            for key, value in proposal.fields.items():
                if key == "id":
                    continue
                rendered = slugs([scalar(v) for v in value]) if isinstance(value, list) else scalar(str(value))
                lines.append(f"    {key}: {rendered}")
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
