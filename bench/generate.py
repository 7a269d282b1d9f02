"""A synthetic corpus in the real annotation format (docs/annotation-format.md), deterministic from a seed.

``generate(out, n_documents, seed)`` writes ``out/{documents,annotations,registry}``: N article texts built from
sentences, one annotation file per text whose evidence quotes are those sentences (each occurs exactly once, or
is made unique with a ``prefix``), and a registry of firms, people, products, brands and authorities that grows
with the square root of N (about 20·√N firms: 680 for 1k documents, 2,050 for 10k, 6,370 for 100k).

Every deal kind appears with the parties and roles it needs, every status, dates at year, month and day
precision, domains from ``ontology/domains.ttl``, deals cited from later documents (``ref``), ``expands`` and
``part_of`` links, alliances with their memberships, investigations, values and signatories.

    python -m bench.generate --documents 1000 --out bench/out/corpus-1000 [--seed 0]
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import json
import math
import random
import shutil
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from kg.build import domain_slugs
from kg.config import Paths
from kg.evidence import anchor_quote
from kg.ontology import load_ontology
from kg.records import MONTHS

SYLLABLES = (
    "al",
    "ber",
    "cor",
    "dan",
    "el",
    "fin",
    "gor",
    "hal",
    "is",
    "jor",
    "kal",
    "lem",
    "mor",
    "nor",
    "ol",
    "pra",
    "quen",
    "ros",
    "sel",
    "tor",
    "ul",
    "vax",
    "wen",
    "xan",
    "yor",
    "zel",
    "bri",
    "cas",
    "dro",
    "ves",
)
SUFFIXES = {
    "Automaker": ("Motors", "Automotive", "Cars", "Motor Company", "Vehicles"),
    "Supplier": ("Systems", "Components", "Cells", "Powertrain", "Industries"),
    "TechnologyFirm": ("Labs", "Software", "Semiconductors", "Technologies", "Robotics"),
    "MobilityService": ("Mobility", "Rides", "Share", "Transit"),
}
FIRM_KIND_WEIGHTS = {"Automaker": 3, "Supplier": 4, "TechnologyFirm": 2, "MobilityService": 1}
COUNTRIES = ("DE", "JP", "US", "FR", "IT", "KR", "CN", "GB", "SE", "IN", "ES", "CZ", "BE", "NL", "CA", "BR")
FIRST = (
    "Anna",
    "Boris",
    "Chen",
    "Dana",
    "Emil",
    "Fatima",
    "Georg",
    "Hana",
    "Ivan",
    "Julia",
    "Kenji",
    "Lena",
    "Marco",
    "Nina",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Sven",
    "Tomoko",
    "Umar",
    "Vera",
    "Wei",
    "Yusuf",
)
LAST = (
    "Albrecht",
    "Brandt",
    "Castillo",
    "Dubois",
    "Eriksson",
    "Fischer",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kovacs",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Rossi",
    "Sato",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Yamada",
    "Zhang",
)
TITLES = (
    "Chief Executive Officer",
    "Chairman of the Board of Management",
    "Head of Purchasing",
    "Chief Technology Officer",
    "Member of the Board for Development",
    "Head of Strategy",
)
PRODUCT_KINDS = {
    "Vehicle": ("compact car", "sports car", "pickup", "van"),
    "Engine": ("diesel engine", "petrol engine"),
    "Platform": ("EV platform", "modular platform"),
    "Component": ("battery module", "inverter", "lidar"),
    "Service": ("ride-hailing app", "fleet service"),
}
AUTHORITIES = (
    ("european-commission", "European Commission"),
    ("bundeskartellamt", "Bundeskartellamt"),
    ("us-department-of-justice", "US Department of Justice"),
    ("japan-fair-trade-commission", "Japan Fair Trade Commission"),
    ("uk-competition-and-markets-authority", "UK Competition and Markets Authority"),
    ("china-samr", "State Administration for Market Regulation"),
)
PUBLISHERS = (
    "Automotive Wire",
    "Motor Report",
    "Industry Ledger",
    "Mobility Times",
    "Autowoche Online",
    "The Powertrain Post",
    "Supplier Daily",
)
CURRENCIES = ("USD", "EUR", "JPY", "CNY", "GBP")
# Deal kinds and how often each is drawn; AllianceMembership only once an alliance exists.
KIND_WEIGHTS = {
    "Cooperation": 15,
    "MemorandumOfUnderstanding": 10,
    "CollaborationAgreement": 14,
    "JointStatement": 3,
    "SupplyAgreement": 15,
    "JointVenture": 8,
    "Acquisition": 10,
    "Merger": 3,
    "EquityStake": 7,
    "CrossShareholding": 2,
    "Divestment": 3,
    "AllianceMembership": 6,
    "Collusion": 2,
}
STATUSES = {
    "Cooperation": ("Rumoured", "InTalks", "Announced", "Signed", "Ended"),
    "Acquisition": ("Rumoured", "InTalks", "Announced", "Completed", "Ended"),
    "Merger": ("Rumoured", "InTalks", "Announced", "Completed", "Ended"),
    "EquityStake": ("InTalks", "Announced", "Completed", "Ended"),
    "CrossShareholding": ("Announced", "Completed", "Ended"),
    "Divestment": ("Announced", "Completed"),
    "AllianceMembership": ("Announced", "Signed", "Ended"),
    "Collusion": ("Rumoured", "Ended"),
}
AGREEMENT_STATUSES = ("Announced", "Signed", "Signed", "Ended")
KIND_PHRASE = {
    "Cooperation": "cooperation",
    "MemorandumOfUnderstanding": "memorandum of understanding",
    "CollaborationAgreement": "collaboration agreement",
    "JointStatement": "joint statement",
    "SupplyAgreement": "supply agreement",
    "JointVenture": "joint venture",
    "Acquisition": "acquisition",
    "Merger": "merger",
    "EquityStake": "equity stake",
    "CrossShareholding": "cross-shareholding",
    "Divestment": "divestment",
    "AllianceMembership": "alliance membership",
    "Collusion": "collusion",
}
ATTRIBUTIONS = {
    "Rumoured": ("AnonymousSources", "Speculation"),
    "InTalks": ("AnonymousSources", "PressReport"),
    "Announced": ("OfficialStatement", "PressReport"),
    "Signed": ("OfficialStatement", "PressReport"),
    "Completed": ("OfficialStatement", "PressReport"),
    "Ended": ("PressReport", "ExecutiveStatement"),
}
FILLER = (
    "The industry is under pressure to cut costs as the shift to electric drives accelerates.",
    "Analysts expect more such tie-ups in the coming years.",
    "Neither side disclosed further details.",
    "Development costs for new platforms have risen sharply over the past decade.",
    "Regulators in Europe and Asia are tightening emission rules.",
    "The companies’ shares closed slightly higher on the news.",
    "Suppliers are increasingly asked to share the cost of new technology.",
    "A spokesperson declined to comment on the financial terms.",
    "Sales in the segment fell in the first half of the year.",
    "Smaller manufacturers in particular look for partners to share investments.",
    "Trade tensions have made supply chains a board-level topic.",
    "The agreement is subject to the usual regulatory approvals.",
)


def firm_count(n_documents: int) -> int:
    """How many firms the registry of an ``n_documents`` corpus holds: sub-linear, about 20·√N."""
    return int(20 * math.sqrt(n_documents)) + 50


@dataclass
class Firm:
    id: str
    label: str
    short: str
    kind: str


@dataclass
class DealInfo:
    """What later documents need to know about a deal defined earlier."""

    id: str
    kind: str
    firms: list[Firm]
    year: int


@dataclass
class Registry:
    firms: list[Firm]
    people: list[tuple[str, str, str, str]]  # id, label, title, affiliation
    products: list[tuple[str, str, str, str]]  # id, label, kind, maker
    brands: list[tuple[str, str, str]]  # id, label, owner
    people_of: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # firm id -> (person id, label)
    products_of: dict[str, list[str]] = field(default_factory=dict)
    cumulative: list[float] = field(default_factory=list)  # popularity of firms (Zipf-like)


def _y(value: str) -> str:
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(value, ensure_ascii=False)


def _ylist(values: list[str]) -> str:
    return "[" + ", ".join(values) + "]"


def _stems(rng: random.Random, count: int) -> list[str]:
    """``count`` distinct pronounceable names of two or three syllables."""
    pairs = [a + b for a, b in itertools.product(SYLLABLES, repeat=2) if a != b]
    rng.shuffle(pairs)
    stems = pairs[:count]
    seen = set(stems)
    while len(stems) < count:
        stem = "".join(rng.choice(SYLLABLES) for _ in range(3))
        if stem not in seen:
            seen.add(stem)
            stems.append(stem)
    return [s.capitalize() for s in stems]


def make_registry(rng: random.Random, n_documents: int) -> Registry:
    """Firms (with a Zipf-like popularity), their people, products and brands."""
    n_firms = firm_count(n_documents)
    stems = _stems(rng, n_firms + n_firms // 10)
    kinds = list(FIRM_KIND_WEIGHTS)
    firms = []
    for stem in stems[:n_firms]:
        kind = rng.choices(kinds, weights=list(FIRM_KIND_WEIGHTS.values()))[0]
        suffix = rng.choice(SUFFIXES[kind])
        label = f"{stem} {suffix}"
        firms.append(Firm(f"{stem.lower()}-{suffix.lower().replace(' ', '-')}", label, stem, kind))
    people, people_of, used = [], defaultdict(list), set()
    for i in range(n_firms):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        pid = name.lower().replace(" ", "-")
        if pid in used:
            pid = f"{pid}-{i}"
        used.add(pid)
        firm = rng.choice(firms)
        people.append((pid, name, rng.choice(TITLES), firm.id))
        people_of[firm.id].append((pid, name))
    products, products_of = [], defaultdict(list)
    for i in range(n_firms // 2):
        firm = rng.choice(firms)
        kind = rng.choice(list(PRODUCT_KINDS))
        model = rng.choice(PRODUCT_KINDS[kind])
        pid = f"{firm.short.lower()}-{model.replace(' ', '-').lower()}-{i}"
        products.append((pid, f"{firm.short} {model} {chr(65 + i % 26)}{i % 9 + 1}", kind, firm.id))
        products_of[firm.id].append(pid)
    brands = [(f"{stem.lower()}-brand", stem, rng.choice(firms).id) for stem in stems[n_firms:]]
    weights = [1 / (rank + 1) ** 0.8 for rank in range(n_firms)]
    return Registry(
        firms, people, products, brands, dict(people_of), dict(products_of), list(itertools.accumulate(weights))
    )


def write_registry(reg: Registry, directory: Path, rng: random.Random) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = ["# Synthetic firms (bench/generate.py).", "firms:"]
    for i, firm in enumerate(reg.firms):
        lines += [
            f"  - id: {firm.id}",
            f"    label: {_y(firm.label)}",
            f"    alt: [{_y(firm.short)}]",
            f"    country: {rng.choice(COUNTRIES)}",
            f"    kind: {firm.kind}",
        ]
        if i >= 50 and rng.random() < 0.05:  # a subsidiary of one of the most cited firms
            lines.append(f"    parent: {rng.choice(reg.firms[:50]).id}")
    (directory / "firms.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["people:"]
    for pid, label, title, firm in reg.people:
        lines += [f"  - id: {pid}", f"    label: {_y(label)}", f"    title: {_y(title)}", f"    affiliation: {firm}"]
    (directory / "people.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["products:"]
    for pid, label, kind, maker in reg.products:
        lines += [f"  - id: {pid}", f"    label: {_y(label)}", f"    kind: {kind}", f"    maker: {maker}"]
    (directory / "products.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["brands:"]
    for bid, label, owner in reg.brands:
        lines += [f"  - id: {bid}", f"    label: {_y(label)}", f"    owner: {owner}"]
    lines.append("authorities:")
    for aid, label in AUTHORITIES:
        lines += [f"  - id: {aid}", f"    label: {_y(label)}"]
    (directory / "other.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _date(rng: random.Random, year: int) -> tuple[str, str]:
    """A date at a random precision, as YAML and as the text writes it."""
    precision = rng.random()
    if precision < 0.25:
        return str(year), f"in {year}"
    month = rng.randint(1, 12)
    if precision < 0.75:
        return f"{year}-{month:02d}", f"in {MONTHS[month - 1]} {year}"
    day = rng.randint(1, 28)
    return f"{year}-{month:02d}-{day:02d}", f"on {day} {MONTHS[month - 1]} {year}"


def _names(firms: list[Firm]) -> str:
    names = [f.short for f in firms]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


class _Document:
    """One document being written: its sentences, its annotation lines and its quotes to check."""

    def __init__(self, doc_id: str) -> None:
        self.id = doc_id
        self.sentences: list[str] = []
        self.deals: list[list[str]] = []
        self.alliances: list[list[str]] = []
        self.investigations: list[list[str]] = []
        self.quotes: list[tuple[str, str | None]] = []
        self.pending: list[tuple[str, int, int]] = []  # quote, sentence index, offset in the sentence
        self.starts: list[int] = []

    def say(self, sentence: str) -> str | None:
        """Add ``sentence`` to the text; None (and nothing added) if it or an earlier one contains the other."""
        if any(sentence in s or s in sentence for s in self.sentences):
            return None
        self.sentences.append(sentence)
        return sentence

    def filler(self, rng: random.Random) -> None:
        """A sentence that states no deal, one not used yet in this document."""
        unused = [s for s in FILLER if s not in self.sentences]
        if unused:
            self.sentences.append(rng.choice(unused))

    def evidence(self, quote: str, attribution: str) -> list[str]:
        self.quotes.append((quote, None))
        return [f"      - quote: {_y(quote)}", f"        attribution: {attribution}"]

    def evidence_in_last(self, quote: str, at: int, attribution: str) -> list[str]:
        """A quote that may occur several times: this one, ``at`` code points into the last sentence.

        Its ``prefix`` is chosen once the text is complete (see ``resolve_prefixes``), as an annotator would.
        """
        marker = f"@prefix{len(self.pending)}@"
        self.pending.append((quote, len(self.sentences) - 1, at))
        self.quotes.append((quote, marker))
        return [f"      - quote: {_y(quote)}", f"        prefix: {marker}", f"        attribution: {attribution}"]

    def text(self) -> str:
        """The article: sentences in paragraphs of three; records where each sentence starts."""
        parts, self.starts, offset = [], [], 0
        for i, sentence in enumerate(self.sentences):
            sep = "" if i == 0 else ("\n\n" if i % 3 == 0 else " ")
            offset += len(sep)
            self.starts.append(offset)
            full = sentence if sentence.endswith(".") else sentence + "."
            parts.append(sep + full)
            offset += len(full)
        return "".join(parts) + "\n"

    def resolve_prefixes(self, text: str) -> dict[str, str]:
        """For each pending quote, the shortest prefix (from 8 code points) that selects exactly its occurrence."""
        chosen = {}
        for k, (quote, index, at) in enumerate(self.pending):
            start = self.starts[index] + at
            for length in range(min(8, start), start + 1):
                prefix = text[start - length : start]
                try:
                    if anchor_quote(text, quote, prefix).start == start:
                        break
                except LookupError:
                    continue
            chosen[f"@prefix{k}@"] = prefix
        return chosen


class CorpusGenerator:
    """Writes documents one after another, remembering deals and alliances that later ones cite or join."""

    def __init__(self, out: Path, n_documents: int, seed: int, domains: list[str]) -> None:
        self.out = out
        self.n = n_documents
        self.rng = random.Random(seed)
        self.domains = domains
        self.registry = make_registry(self.rng, n_documents)
        self.deals: list[DealInfo] = []
        self.alliances: list[tuple[str, str]] = []  # id, label
        self.counter = itertools.count(1)
        self.stats: dict[str, int] = defaultdict(int)

    def firms(self, k: int) -> list[Firm]:
        """``k`` distinct firms, popular ones more often."""
        chosen: dict[str, Firm] = {}
        while len(chosen) < k:
            x = self.rng.random() * self.registry.cumulative[-1]
            firm = self.registry.firms[bisect.bisect(self.registry.cumulative, x)]
            chosen[firm.id] = firm
        return list(chosen.values())

    def run(self) -> dict[str, int]:
        for sub in ("documents", "annotations", "registry"):
            (self.out / sub).mkdir(parents=True, exist_ok=True)
        write_registry(self.registry, self.out / "registry", self.rng)
        for i in range(self.n):
            self.write_document(i)
        self.stats.update(
            documents=self.n,
            firms=len(self.registry.firms),
            people=len(self.registry.people),
            products=len(self.registry.products),
        )
        return dict(sorted(self.stats.items()))

    # -- one document -------------------------------------------------------------------------------------

    def write_document(self, i: int) -> None:
        rng = self.rng
        doc = _Document(f"{i:06d}_{rng.getrandbits(64):016x}")
        year = rng.randint(2008, 2023)
        issued, _ = _date(rng, year)
        doc.filler(rng)
        if rng.random() < 0.03 or (i == 0):
            self.alliance(doc, year)
        for _ in range(rng.choices((1, 2, 3, 4), weights=(35, 35, 20, 10))[0]):
            self.deal(doc, year)
            if rng.random() < 0.5:
                doc.filler(rng)
        defined_here = len(doc.deals)
        if self.deals[:-defined_here] and rng.random() < 0.3:
            for info in rng.sample(self.deals[:-defined_here], min(2, len(self.deals) - defined_here)):
                self.ref(doc, info)
        if rng.random() < 0.02:
            self.investigation(doc, year)
        doc.filler(rng)
        text = doc.text()
        prefixes = doc.resolve_prefixes(text)
        self.check_quotes(doc, text, prefixes)
        (self.out / "documents" / f"{doc.id}.txt").write_text(text, encoding="utf-8")
        head = [
            f"# Synthetic article {i} (bench/generate.py).",
            "document:",
            f"  title: {_y(self.title(doc))}",
            f"  publisher: {_y(rng.choice(PUBLISHERS))}",
            f"  issued: {issued}",
        ]
        if rng.random() < 0.2:
            head.append(f"  issued_estimated: {_y('the text gives no date; worked out from the events it reports')}")
        head.append(f"  language: {'en' if rng.random() < 0.9 else 'en-GB'}")
        if rng.random() < 0.5:
            head.append(f"  url: https://news.example.org/{doc.id}")
        body = head
        for key, items in (("deals", doc.deals), ("alliances", doc.alliances), ("investigations", doc.investigations)):
            if items:
                body.append(f"{key}:")
                for item in items:
                    body += item
        annotation = "\n".join(body) + "\n"
        for marker, prefix in prefixes.items():
            annotation = annotation.replace(marker, _y(prefix))
        (self.out / "annotations" / f"{doc.id}.yaml").write_text(annotation, encoding="utf-8")
        self.stats["evidence"] += len(doc.quotes)

    def title(self, doc: _Document) -> str:
        return doc.sentences[1][:80].rstrip(" .,") if len(doc.sentences) > 1 else "Industry news"

    def check_quotes(self, doc: _Document, text: str, prefixes: dict[str, str]) -> None:
        """Every quote must anchor: fail loudly here rather than produce a corpus the build rejects."""
        for quote, marker in doc.quotes:
            anchor_quote(text, quote, prefixes[marker] if marker else None)

    # -- deals -------------------------------------------------------------------------------------------

    def deal(self, doc: _Document, doc_year: int) -> None:
        """Define a new deal: a sentence stating it, the annotation citing that sentence as evidence."""
        for _ in range(50):  # drawn again when its sentence would contain, or be contained in, an earlier one
            if self._try_deal(doc, doc_year):
                return

    def _try_deal(self, doc: _Document, doc_year: int) -> bool:
        rng = self.rng
        kinds = [k for k in KIND_WEIGHTS if k != "AllianceMembership" or self.alliances]
        kind = rng.choices(kinds, weights=[KIND_WEIGHTS[k] for k in kinds])[0]
        status = rng.choice(STATUSES.get(kind, AGREEMENT_STATUSES))
        year = doc_year - rng.choice((0, 0, 0, 1, 2))
        n = next(self.counter)
        lines: list[str] = []
        roles: dict[str, list[Firm]] = {}
        parties: list[Firm] = []
        domains = rng.sample(self.domains, rng.choice((1, 1, 2, 3)))
        topic = " and ".join(d.replace("-", " ") for d in domains)
        date_yaml, when = _date(rng, year)
        alliance = None
        if kind == "SupplyAgreement":
            supplier, customer = self.firms(2)
            roles = {"supplier": [supplier], "customer": [customer]}
            verb = {"Announced": "will supply", "Signed": "supplies", "Ended": "stopped supplying"}[status]
            sentence = f"{supplier.short} {verb} {topic} to {customer.short} under an agreement reached {when}"
            firms = [supplier, customer]
        elif kind == "Acquisition":
            buyer, target = self.firms(2)
            roles = {"acquirer": [buyer], "acquiree": [target]}
            verb = {
                "Rumoured": "could buy",
                "InTalks": "is in talks to buy",
                "Announced": "announced it will buy",
                "Completed": "completed its purchase of",
                "Ended": "called off its bid for",
            }[status]
            sentence = f"{buyer.short} {verb} {target.short}, a specialist in {topic}, {when}"
            firms = [buyer, target]
        elif kind in ("EquityStake",):
            investor, investee = self.firms(2)
            roles = {"investor": [investor], "investee": [investee]}
            verb = {"InTalks": "is in talks to take", "Announced": "will take", "Completed": "took", "Ended": "sold"}[
                status
            ]
            sentence = f"{investor.short} {verb} a stake in {investee.short} to develop {topic} {when}"
            firms = [investor, investee]
        elif kind == "Divestment":
            seller, buyer = self.firms(2)
            roles = {"seller": [seller]}
            parties = [buyer]
            verb = "will sell" if status == "Announced" else "sold"
            sentence = f"{seller.short} {verb} its {topic} business to {buyer.short} {when}"
            firms = [seller, buyer]
        elif kind == "AllianceMembership":
            (member,) = self.firms(1)
            alliance_id, alliance_label = rng.choice(self.alliances)
            alliance = alliance_id
            roles = {"member": [member]}
            verb = {"Announced": "will join", "Signed": "joined", "Ended": "left"}[status]
            sentence = f"{member.short} {verb} the {alliance_label} {when}"
            firms = [member]
        else:
            firms = self.firms(rng.choice((2, 2, 2, 3)))
            parties = firms
            phrase = KIND_PHRASE[kind]
            names = _names(firms)
            sentence = {
                "Rumoured": f"{names} could agree on a {phrase} covering {topic}",
                "InTalks": f"{names} are in talks about a {phrase} covering {topic}",
                "Announced": f"{names} announced a {phrase} covering {topic} {when}",
                "Signed": f"{names} signed a {phrase} covering {topic} {when}",
                "Completed": f"{names} completed their {phrase} covering {topic} {when}",
                "Ended": f"{names} ended their {phrase} covering {topic} {when}",
            }[status]
            if kind == "Collusion":
                sentence = (
                    f"{names} are suspected of coordinating on {topic}"
                    if status == "Rumoured"
                    else f"{names} stopped coordinating on {topic} {when}"
                )
            if kind == "CrossShareholding":  # every firm holds shares and is held
                roles, parties = {"investor": firms, "investee": firms}, []
        if kind == "CrossShareholding":  # whatever the sentence, every firm holds shares and is held
            roles, parties = {"investor": firms, "investee": firms}, []
        deal_id = f"{firms[0].short.lower()}-{KIND_PHRASE[kind].replace(' ', '-')}-{year}-{n}"
        label = f"{'–'.join(f.short for f in firms)} {KIND_PHRASE[kind]} ({year})"
        if doc.say(sentence) is None:
            return False
        lines += [f"  - id: {deal_id}", f"    kind: {kind}", f"    label: {_y(label)}", f"    status: {status}"]
        if parties:
            lines.append(f"    parties: {_ylist([f.id for f in parties])}")
        if roles:
            lines.append("    roles:")
            lines += [f"      {role}: {_ylist([f.id for f in fs])}" for role, fs in roles.items()]
        if alliance:
            lines.append(f"    alliance: {alliance}")
        lines.append(f"    domains: {_ylist(domains)}")
        lines += self.dates(kind, status, date_yaml, year)
        lines += self.extras(kind, status, firms)
        self.stats[f"deal:{kind}"] += 1
        self.stats[f"status:{status}"] += 1
        lines.append("    evidence:")
        lines += doc.evidence(sentence, rng.choice(ATTRIBUTIONS[status]))
        lines += self.second_quote(doc, firms, status)
        doc.deals.append(lines)
        self.deals.append(DealInfo(deal_id, kind, firms, year))
        return True

    def dates(self, kind: str, status: str, date_yaml: str, year: int) -> list[str]:
        """The dates the sentence states, plus now and then a start or an estimate."""
        rng, lines = self.rng, []
        if status in ("Rumoured", "InTalks"):
            return lines
        key = {"Announced": "announced", "Signed": "signed", "Completed": "signed", "Ended": "ended"}[status]
        lines.append(f"    {key}: {date_yaml}")
        if kind == "SupplyAgreement" and status != "Ended" and rng.random() < 0.5:
            lines.append(f"    starts: {year + rng.randint(1, 3)}")
        if rng.random() < 0.1:
            lines.append(f"    dates_estimated: {_y('the text dates it relative to the article')}")
        return lines

    def extras(self, kind: str, status: str, firms: list[Firm]) -> list[str]:
        """Products, signatories, values and links to earlier deals, each on some of the deals."""
        rng, reg, lines = self.rng, self.registry, []
        products = [p for f in firms for p in reg.products_of.get(f.id, [])]
        if products and rng.random() < 0.3:
            lines.append(f"    products: {_ylist(rng.sample(products, 1))}")
        people = [p for f in firms for p in reg.people_of.get(f.id, [])]
        if people and status in ("Signed", "Completed") and rng.random() < 0.4:
            lines.append(f"    signatories: {_ylist([p for p, _ in people[:2]])}")
        if kind in ("Acquisition", "EquityStake", "JointVenture", "Merger") and rng.random() < 0.5:
            amount = rng.randint(1, 400) * 10_000_000
            which = "max" if rng.random() < 0.3 else "amount"
            lines.append(f"    value: {{{which}: {amount}, currency: {rng.choice(CURRENCIES)}}}")
        related = [d for d in self.deals[-200:] if {f.id for f in d.firms} & {f.id for f in firms}]
        if related and rng.random() < 0.3:
            lines.append(f"    {'expands' if rng.random() < 0.7 else 'part_of'}: {rng.choice(related).id}")
        if rng.random() < 0.05:
            lines.append(f"    note: {_y('synthetic deal for the benchmarks')}")
        return lines

    def second_quote(self, doc: _Document, firms: list[Firm], status: str) -> list[str]:
        """Sometimes an executive's comment, sometimes a short repeated phrase that needs a prefix."""
        rng = self.rng
        r = rng.random()
        if r < 0.25:
            people = self.registry.people_of.get(firms[0].id)
            speaker = f"{people[0][1]}, who speaks for {firms[0].short}," if people else f"A {firms[0].short} manager"
            other = firms[-1].short if len(firms) > 1 else "its partners"
            benefit = rng.choice(("sets a course", "opens doors", "saves time", "builds scale"))
            sentence = doc.say(f"{speaker} said the work with {other} “{benefit}” for both sides")
            return doc.evidence(sentence, "ExecutiveStatement") if sentence else []
        if r < 0.35:
            # The firm's name occurs in the sentence just said and maybe elsewhere: the prefix picks this one.
            last = doc.sentences[-1]
            name = firms[-1].short
            at = last.find(name)
            if at >= 0:
                return doc.evidence_in_last(name, at, rng.choice(ATTRIBUTIONS[status]))
        return []

    def ref(self, doc: _Document, info: DealInfo) -> None:
        sentence = doc.say(
            f"The earlier {KIND_PHRASE[info.kind]} of {_names(info.firms)} from {info.year} was also on the agenda"
        )
        if sentence is None:
            return
        doc.deals.append([f"  - ref: {info.id}", "    evidence:", *doc.evidence(sentence, "PressReport")])
        self.stats["refs"] += 1

    def alliance(self, doc: _Document, year: int) -> None:
        rng = self.rng
        n = next(self.counter)
        founders = self.firms(3)
        domain = rng.choice(self.domains)
        label = f"{founders[0].short} {domain.replace('-', ' ')} alliance {n}"
        alliance_id = f"{founders[0].short.lower()}-alliance-{n}"
        date_yaml, when = _date(rng, year)
        # The label carries a number of its own, so neither sentence can collide with another.
        sentence = doc.say(f"{_names(founders)} founded the {label} {when}")
        open_to = doc.say(f"The {label} is open to other firms working on {domain.replace('-', ' ')}")
        assert sentence and open_to
        doc.alliances.append(
            [
                f"  - id: {alliance_id}",
                f"    label: {_y(label)}",
                f"    domains: [{domain}]",
                f"    founded: {date_yaml}",
                "    evidence:",
                *doc.evidence(open_to, "OfficialStatement"),
            ]
        )
        deal_id = f"{alliance_id}-founding"
        doc.deals.append(
            [
                f"  - id: {deal_id}",
                "    kind: CollaborationAgreement",
                f"    label: {_y('Founding of the ' + label)}",
                "    status: Signed",
                f"    parties: {_ylist([f.id for f in founders])}",
                f"    domains: [{domain}]",
                f"    signed: {date_yaml}",
                f"    establishes: {alliance_id}",
                "    evidence:",
                *doc.evidence(sentence, "OfficialStatement"),
            ]
        )
        self.alliances.append((alliance_id, label))
        self.deals.append(DealInfo(deal_id, "CollaborationAgreement", founders, year))
        self.stats["alliances"] += 1

    def investigation(self, doc: _Document, year: int) -> None:
        rng = self.rng
        info = rng.choice(self.deals[-50:])
        authority_id, authority = rng.choice(AUTHORITIES)
        kind = rng.choice(("AntitrustInvestigation", "MergerReview"))
        what = "an antitrust investigation" if kind == "AntitrustInvestigation" else "a merger review"
        sentence = doc.say(f"The {authority} opened {what} into {_names(info.firms)} in {year}")
        if sentence is None:
            return
        inv_id = f"{authority_id}-{info.firms[0].short.lower()}-{next(self.counter)}"
        doc.investigations.append(
            [
                f"  - id: {inv_id}",
                f"    kind: {kind}",
                f"    label: {_y(what.split(' ', 1)[1] + ' of ' + info.id)}",
                f"    status: {rng.choice(('Open', 'Cleared', 'Closed'))}",
                f"    by: {authority_id}",
                f"    investigates: {_ylist([f.id for f in info.firms])}",
                f"    concerns: [{info.id}]",
                f"    started: {year}",
                "    evidence:",
                *doc.evidence(sentence, "PressReport"),
            ]
        )
        self.stats["investigations"] += 1


def generate(out: Path, n_documents: int, seed: int = 0, ontology: Path | None = None) -> dict[str, int]:
    """Write a corpus of ``n_documents`` into ``out`` (replacing it); returns counts of what was written.

    The same ``n_documents`` and ``seed`` give byte-identical files. Raises ``LookupError`` if a generated
    quote does not anchor (a bug in this generator).
    """
    if out.exists():
        shutil.rmtree(out)
    domains = sorted(domain_slugs(load_ontology(ontology or Paths().ontology)))
    return CorpusGenerator(out, n_documents, seed, domains).run()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", "-n", type=int, default=1000)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    stats = generate(args.out, args.documents, args.seed)
    print(json.dumps(stats, indent=1))


if __name__ == "__main__":
    main()
