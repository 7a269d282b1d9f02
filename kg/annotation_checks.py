"""Checks over everything the annotation files say: ids, references, parties, dates, links between deals.

Run by :func:`kg.annotations.parse_annotations` once every file is read; each problem is located at the item
it concerns.
"""

from __future__ import annotations

from .errors import AnnotationError
from .records import KIND_NAMES, Corpus, Deal, Loc
from .yamlread import Reader

#: Pairs of dates of one deal that must be in this order (compared at the precision both give).
DATE_ORDER = (
    ("announced", "signed"),
    ("signed", "completed"),
    ("announced", "ended"),
    ("signed", "ended"),
    ("starts", "ended"),
    ("completed", "ended"),
)
#: The lists of the registry, whose ids references name.
REGISTRY_KINDS = ("firms", "brands", "authorities", "people", "products")


def _article(word: str) -> str:
    return "an" if word[:1] in "AEIOU" else "a"


def check_corpus(corpus: Corpus, readers: list[Reader], domains: set[str]) -> list[AnnotationError]:
    """Unique ids, resolvable references, the parties each kind of deal needs, dates in order, no cycles.

    ``readers`` hold the references collected while reading; ``domains`` are the existing domain slugs.
    """
    errors: list[AnnotationError] = []

    def err(loc: Loc, message: str) -> None:
        errors.append(AnnotationError(loc.path, loc.line, loc.col, message))

    known: dict[str, dict[str, Loc]] = {k: {} for k in (*REGISTRY_KINDS, "deals", "alliances", "investigations")}
    registry_ids: dict[str, Loc] = {}
    for entity in corpus.registry:
        if entity.id in registry_ids:
            err(entity.loc, f"id '{entity.id}' is already used at {':'.join(map(str, registry_ids[entity.id]))}")
        registry_ids[entity.id] = entity.loc
        known[entity.kind][entity.id] = entity.loc
    for doc in corpus.documents:
        for kind, items in (("deals", doc.deals), ("alliances", doc.alliances), ("investigations", doc.investigations)):
            for item in items:
                if item.id in known[kind]:
                    first = known[kind][item.id]
                    where = f"{first.path}:{first.line}:{first.col}"
                    err(item.loc, f"{kind[:-1]} '{item.id}' is already defined at {where}; use 'ref' to cite it")
                known[kind].setdefault(item.id, item.loc)
    for reader in readers:
        for ref in reader.references:
            exists = ref.slug in domains if ref.kind == "domains" else ref.slug in known[ref.kind]
            if not exists:
                where = "ontology/domains.ttl" if ref.kind == "domains" else "the registry or annotations"
                err(ref.loc, f"unknown {KIND_NAMES[ref.kind]} '{ref.slug}' (not in {where})")
    deals = [deal for doc in corpus.documents for deal in doc.deals]
    for deal in deals:
        errors.extend(_check_parties(deal))
        errors.extend(_check_dates(deal))
    errors.extend(_check_links(deals))
    errors.extend(_check_shared_values(deals))
    return errors


def _error(deal: Deal, message: str) -> AnnotationError:
    return AnnotationError(deal.loc.path, deal.loc.line, deal.loc.col, f"deal '{deal.id}': {message}")


def _check_dates(deal: Deal) -> list[AnnotationError]:
    """Dates in their order, compared at the precision both give (2012 and 2012-06-29 agree)."""
    problems = []
    for first, second in DATE_ORDER:
        a, b = deal.dates.get(first), deal.dates.get(second)
        if a is None or b is None:
            continue
        n = min(len(a.isoformat()), len(b.isoformat()))
        if b.isoformat()[:n] < a.isoformat()[:n]:
            problems.append(_error(deal, f"'{second}' ({b.isoformat()}) is before '{first}' ({a.isoformat()})"))
    return problems


def _check_links(deals: list[Deal]) -> list[AnnotationError]:
    """No deal expands, is part of, formalises, reaffirms or ends itself, directly or through a cycle."""
    edges = {deal.id: sorted({t for targets in deal.links().values() for t in targets}) for deal in deals}
    by_id = {deal.id: deal for deal in deals}
    problems: list[AnnotationError] = []
    for deal in deals:
        for key, targets in deal.links().items():
            if deal.id in targets:
                problems.append(_error(deal, f"'{key}' names the deal itself"))
    reported: set[frozenset[str]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    for start in edges:
        if state.get(start):
            continue
        stack: list[tuple[str, int]] = [(start, 0)]
        path: list[str] = []
        while stack:  # iterative depth-first search: a long chain of links must not exhaust the stack
            node, i = stack.pop()
            if i == 0:
                state[node] = 1
                path.append(node)
            targets = [t for t in edges.get(node, []) if t != node]
            if i < len(targets):
                stack.append((node, i + 1))
                target = targets[i]
                if state.get(target) == 1:
                    cycle = path[path.index(target) :]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        where = by_id[cycle[0]]
                        problems.append(
                            _error(where, "links between deals form a cycle: " + " -> ".join([*cycle, cycle[0]]))
                        )
                elif not state.get(target) and target in edges:
                    stack.append((target, 0))
            else:
                state[node] = 2
                path.pop()
    return problems


def _check_shared_values(deals: list[Deal]) -> list[AnnotationError]:
    """Deals that share an amount (``value: {shared: id}``) state the same amount."""
    first: dict[str, Deal] = {}
    problems = []
    for deal in deals:
        value = deal.value
        if value is None or value.shared is None:
            continue
        other = first.setdefault(value.shared, deal)
        if other.value != value:
            problems.append(
                _error(
                    deal,
                    f"the shared amount '{value.shared}' differs from the one of deal "
                    f"'{other.id}'; a shared amount is stated the same way in every deal",
                )
            )
    return problems


def _check_parties(deal: Deal) -> list[AnnotationError]:
    def need(ok: bool, message: str) -> list[AnnotationError]:
        return [] if ok else [_error(deal, message)]

    roles = deal.roles
    problems = need(not deal.merges or deal.kind == "Merger", "only a Merger 'merges' firms")
    if deal.kind == "AllianceMembership":
        return (
            problems
            + need(
                bool(roles.get("member")) or deal.unnamed_parties is not None,
                "an AllianceMembership needs a 'member' role (or 'unnamed_parties')",
            )
            + need(len(roles.get("member", [])) <= 1, "an AllianceMembership has one 'member'; make one per firm")
            + need(deal.alliance is not None, "an AllianceMembership needs an 'alliance'")
        )
    if deal.kind == "Divestment":
        return problems + need(bool(roles.get("seller")), "a Divestment needs a 'seller' role")
    count = len(deal.all_parties()) + (deal.unnamed_parties or 0)
    problems += need(count >= 2, f"a {deal.kind} needs at least two parties, found {count}")
    if deal.kind in ("EquityStake", "CrossShareholding"):
        problems += need(
            bool(roles.get("investor")) and bool(roles.get("investee")),
            f"{_article(deal.kind)} {deal.kind} needs an 'investor' and an 'investee' role",
        )
    if deal.kind == "CrossShareholding":
        problems += need(
            set(roles.get("investor", [])) == set(roles.get("investee", [])),
            "in a CrossShareholding every firm is both 'investor' and 'investee'",
        )
    if deal.kind == "Acquisition":
        problems += need(
            bool(roles.get("acquirer")) and bool(roles.get("acquiree")),
            "an Acquisition needs an 'acquirer' and an 'acquiree' role",
        )
    if deal.kind == "SupplyAgreement":
        problems += need(
            bool(roles.get("supplier")) and bool(roles.get("customer")),
            "a SupplyAgreement needs a 'supplier' and a 'customer' role",
        )
    return problems
