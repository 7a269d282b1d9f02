"""Reasoning stage: HermiT checks the data against the ontology; rules derive the triples of graph:inferred.

``check_consistency`` runs HermiT (through owlready2) on the ontology plus the data's types and links, and
explains a clash in terms of the individuals and classes involved. ``infer`` applies the named ``RULES``
(SPARQL CONSTRUCT queries, documented in docs/inference.md) and returns only what was not asserted.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import owlready2
import owlready2.reasoning
import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.graph import ConjunctiveGraph
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from kg.errors import ReasoningError
from kg.iris import PREFIXES
from kg.ontology import load_ontology
from kg.sitedata import select
from kg.validation import short_name
from kg.vocab import AA

__all__ = [
    "Rule",
    "RULES",
    "ReasonerCouldNotRun",
    "check_consistency",
    "hermit",
    "hermit_run",
    "ReasonerOntology",
    "reasoner_data",
    "infer",
    "infer_in_store",
    "find_clashes",
    "reasoner_input",
    "add_parsed",
]


class ReasonerCouldNotRun(ReasoningError):
    """HermiT could not run at all (no Java, a crash of the JVM): not a finding about the data."""


Triple = tuple[Node, Node, Node]

# Clashes listed in a ReasoningError; more would drown the first ones.
_MAX_CLASHES = 20


# ---------------------------------------------------------------------------------------------------------------
# Consistency (HermiT)
# ---------------------------------------------------------------------------------------------------------------


def _declared(ontology: Graph, kind: URIRef) -> set[Node]:
    return set(ontology.subjects(RDF.type, kind))


def _triples(graph: Graph) -> Iterable[Triple]:
    if isinstance(graph, ConjunctiveGraph):
        return ((s, p, o) for s, p, o, _ in graph.quads((None, None, None, None)))
    return iter(graph)


# What HermiT never needs from the data: the quote of each fact (aa:Evidence nodes and their selectors). The
# ontology gives them no domain, so they add no type to any other node; the types they carry themselves are
# checked by the SHACL shapes (sh:class) and by the disjointness query over the whole store (find_clashes).
_EVIDENCE = str(AA.Evidence)
_HAS_SELECTOR = "http://www.w3.org/ns/oa#hasSelector"
_TYPE = str(RDF.type)


@dataclass(frozen=True)
class ReasonerOntology:
    """The ontology as HermiT reads it: its N-Triples, and the classes and object properties it declares."""

    graph: Graph
    ntriples: bytes
    classes: frozenset[str]
    properties: frozenset[str]

    @classmethod
    def of(cls, ontology: Graph) -> ReasonerOntology:
        """Prepare ``ontology`` (a Graph of the ontology files) for :func:`reasoner_data` and :func:`hermit_run`."""
        return cls(
            ontology,
            ontology.serialize(format="nt", encoding="utf-8"),
            frozenset(str(c) for c in _declared(ontology, OWL.Class)),
            frozenset(str(p) for p in _declared(ontology, OWL.ObjectProperty)),
        )


def reasoner_data(data: bytes, ontology: ReasonerOntology, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> bytes:
    """The N-Triples of ``data`` (N-Quads by default; graph names are dropped) that HermiT reasons over.

    Kept: ``rdf:type`` triples whose class the ontology declares, and triples whose predicate it declares an
    ``owl:ObjectProperty``. Dropped: every literal (dates are ``xsd:date``, ``xsd:gYearMonth`` or ``xsd:gYear``,
    which are not in the OWL 2 datatype map, and HermiT stops with an UnsupportedDatatypeException on them; the
    SHACL shapes check literals instead), ``owl:sameAs`` links to Wikidata, annotations, and the evidence nodes
    and their selectors (see ``_EVIDENCE``). Blank nodes become IRIs, so that HermiT reads them as individuals.
    """
    quads = list(ox.parse(data, format=fmt))
    quotes = {
        q.subject
        for q in quads
        if q.predicate.value == _TYPE and isinstance(q.object, ox.NamedNode) and q.object.value == _EVIDENCE
    }
    quotes |= {q.object for q in quads if q.predicate.value == _HAS_SELECTOR}
    kept = []
    for q in quads:
        s, p, o = q.subject, q.predicate.value, q.object
        if isinstance(o, ox.Literal) or s in quotes or o in quotes:
            continue
        if (p == _TYPE and o.value in ontology.classes) or (p in ontology.properties and p != _TYPE):
            kept.append(ox.Triple(_skolem(s), q.predicate, o if p == _TYPE else _skolem(o)))
    return ox.serialize(kept, format=ox.RdfFormat.N_TRIPLES) or b""


def _skolem(node: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> ox.NamedNode:
    if isinstance(node, ox.BlankNode):
        return ox.NamedNode(f"urn:autoalliance:bnode:{node.value}")
    assert isinstance(node, ox.NamedNode), "literals and quoted triples are filtered out before"
    return node


def reasoner_input(data: Graph, ontology: Graph) -> Graph:
    """Return the graph HermiT reasons over: the ontology, then from ``data`` what :func:`reasoner_data` keeps."""
    graph = Graph()
    graph += ontology
    nt = Graph()
    for triple in _triples(data):
        nt.add(triple)
    kept = reasoner_data(
        nt.serialize(format="nt", encoding="utf-8"), ReasonerOntology.of(ontology), ox.RdfFormat.N_TRIPLES
    )
    graph.parse(data=kept.decode("utf-8"), format="nt")
    return graph


def _java() -> str:
    java = shutil.which("java")
    if java is None and os.environ.get("JAVA_HOME"):
        candidate = Path(os.environ["JAVA_HOME"]) / "bin" / "java"
        java = str(candidate) if candidate.exists() else None
    if java is None:
        raise ReasonerCouldNotRun("HermiT needs Java: no `java` on PATH and no usable JAVA_HOME")
    return java


def check_consistency(graph: Graph, ontology_dir: Path) -> None:
    """Check that ``graph`` (a Graph, or a Dataset read as its union) is consistent with the ontology.

    Runs HermiT through owlready2 on ``reasoner_input(graph, ontology)`` in a fresh owlready2 World.
    Returns None when consistent. Raises ``ReasoningError`` when HermiT finds the ontology and the data
    inconsistent (the message names the individuals and the disjoint classes they fall into, as far as the
    asserted types, domains and ranges show them), and :class:`ReasonerCouldNotRun` when HermiT cannot run.
    """
    hermit(reasoner_input(graph, load_ontology(ontology_dir)))


def hermit(pushed: Graph) -> None:
    """Run HermiT on ``pushed`` (the ontology and the data, as :func:`reasoner_input` makes it).

    Returns None when consistent; raises as :func:`hermit_run` does.
    """
    _run_hermit(pushed.serialize(format="nt", encoding="utf-8"), lambda: pushed)


def hermit_run(ontology: ReasonerOntology, data: Iterable[bytes]) -> None:
    """Run HermiT on the ontology and ``data`` (N-Triples, as :func:`reasoner_data` makes them).

    HermiT (the jar owlready2 ships) is asked for consistency only, in a JVM of its own with owlready2's
    memory limit. Returns None when consistent; raises ``ReasoningError`` with the clashes when inconsistent,
    and :class:`ReasonerCouldNotRun` when Java or HermiT fail.
    """
    chunks = [ontology.ntriples, *data]

    def pushed() -> Graph:
        graph = Graph()
        graph += ontology.graph
        graph.parse(data=b"".join(chunks[1:]).decode("utf-8"), format="nt")
        return graph

    _run_hermit(b"".join(chunks), pushed)


def _run_hermit(ntriples: bytes, pushed: Callable[[], Graph]) -> None:
    java = _java()
    with tempfile.TemporaryDirectory(prefix="autoalliance-hermit-") as tmp:
        path = Path(tmp) / "input.nt"
        path.write_bytes(ntriples)
        command = [
            java,
            f"-Xmx{owlready2.reasoning.JAVA_MEMORY}M",
            "-cp",
            owlready2.reasoning._HERMIT_CLASSPATH,
            "org.semanticweb.HermiT.cli.CommandLine",
            "-k",
            path.as_uri(),
        ]
        try:
            proc = subprocess.run(command, capture_output=True, text=True, check=False)
        except OSError as exc:
            raise ReasonerCouldNotRun(f"HermiT could not run: {exc}") from exc
    if proc.returncode == 0 and "is satisfiable" in proc.stdout:
        return
    if "InconsistentOntologyException" in proc.stderr or "is not satisfiable" in proc.stdout:
        raise ReasoningError(clash_report(explain_clashes(pushed())))
    detail = (proc.stderr or proc.stdout).strip().splitlines()
    raise ReasonerCouldNotRun(f"HermiT could not run: {detail[0] if detail else f'exit code {proc.returncode}'}")


def clash_report(clashes: list[str]) -> str:
    """The message of a ReasoningError listing ``clashes`` (the first ones, and how many more)."""
    detail = "\n".join(f"  {c}" for c in clashes[:_MAX_CLASHES]) or "  (no disjointness clash found)"
    more = f"\n  ... and {len(clashes) - _MAX_CLASHES} more" if len(clashes) > _MAX_CLASHES else ""
    return f"HermiT finds the data inconsistent with the ontology:\n{detail}{more}"


def _closure(pairs: Iterable[tuple[Node, Node]]) -> dict[Node, set[Node]]:
    """Reflexive-transitive closure of a relation, as node -> every node reachable from it."""
    direct: dict[Node, set[Node]] = defaultdict(set)
    for a, b in pairs:
        direct[a].add(b)
    closed: dict[Node, set[Node]] = {}

    def reach(node: Node) -> set[Node]:
        if node not in closed:
            closed[node] = {node}
            for nxt in direct.get(node, ()):
                closed[node] |= reach(nxt)
        return closed[node]

    for node in list(direct):
        reach(node)
    return defaultdict(set, closed)


def _disjoint_pairs(graph: Graph) -> set[frozenset[Node]]:
    pairs: set[frozenset[Node]] = set()
    for node in graph.subjects(RDF.type, OWL.AllDisjointClasses):
        head = graph.value(node, OWL.members)
        members = list(graph.items(head)) if head is not None else []
        pairs |= {frozenset((a, b)) for a in members for b in members if a != b}
    for a, b in graph.subject_objects(OWL.disjointWith):
        pairs.add(frozenset((a, b)))
    return pairs


def explain_clashes(graph: Graph) -> list[str]:
    """Return one sentence per individual that falls into two disjoint classes, sorted.

    Types come from ``rdf:type``, from the ``rdfs:domain`` and ``rdfs:range`` of the (super-)properties an
    individual is used with, and from ``rdfs:subClassOf``: the reasons HermiT finds in this ontology.
    """
    supers = _closure((a, b) for a, b in graph.subject_objects(RDFS.subClassOf) if isinstance(b, URIRef))
    super_props = _closure(graph.subject_objects(RDFS.subPropertyOf))
    properties = _declared(graph, OWL.ObjectProperty)
    reasons: dict[Node, dict[Node, str]] = defaultdict(dict)

    def add(individual: Node, cls: Node, why: str) -> None:
        for c in supers.get(cls, {cls}) | {cls}:
            reasons[individual].setdefault(c, why if c == cls else f"{why}, a kind of {short_name(c)}")

    # Asserted types first, then the rest in a fixed order, so each type keeps its most direct reason.
    for s, p, o in sorted(graph, key=lambda t: (t[1] != RDF.type, t)):
        if p == RDF.type and isinstance(o, URIRef) and s not in properties:
            add(s, o, f"typed {short_name(o)}")
        elif p in properties:
            for q in super_props.get(p, {p}):
                for cls in graph.objects(q, RDFS.domain):
                    if isinstance(cls, URIRef):
                        add(s, cls, f"as subject of {short_name(p)}")
                for cls in graph.objects(q, RDFS.range):
                    if isinstance(cls, URIRef):
                        add(o, cls, f"as {short_name(p)} of {short_name(s)}")
    disjoint = _disjoint_pairs(graph)
    clashes = []
    for individual, types in reasons.items():
        for a, b in sorted((tuple(sorted(pair, key=str)) for pair in disjoint if pair <= types.keys()), key=str):
            clashes.append(
                f"{short_name(individual)} is both {short_name(a)} ({types[a]}) and {short_name(b)} "
                f"({types[b]}), which the ontology declares disjoint"
            )
    return sorted(clashes)


# ---------------------------------------------------------------------------------------------------------------
# Inference rules (graph:inferred)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """A named inference rule: ``construct`` is a SPARQL CONSTRUCT run over data, ontology and earlier rules."""

    name: str
    doc: str
    construct: str
    # When set: the variable of the node every derived triple is about, where the rule reads only that node's own
    # statements and the ontology. Such a rule can be run again for some nodes alone (an incremental build).
    node: str | None = None
    # For a rule without ``node``: queries whose triples together are those of ``construct`` with a subject or
    # object among the nodes listed where ``$AFFECTED`` stands (a VALUES clause), written to start from those
    # nodes (Oxigraph joins in the order written). Empty: ``construct`` with a VALUES clause on either variable.
    about: tuple[str, ...] = ()

    @property
    def predicate(self) -> str:
        """The IRI of the predicate of the triples the rule derives (its template is one triple pattern)."""
        found = re.match(r"\s*CONSTRUCT\s*\{\s*\?\w+\s+(\w+):(\w+)\s+\?\w+\s*\}", self.construct)
        assert found, f"the template of {self.name} is one triple pattern with a prefixed predicate"
        return PREFIXES[found.group(1)] + found.group(2)


_PROLOGUE = "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in sorted(PREFIXES.items()))
_ACTIVE_STATUSES = ("aa:Announced", "aa:Signed", "aa:Completed")  # the statuses that make partners and members
_ACTIVE = f"VALUES ?status {{ {' '.join(_ACTIVE_STATUSES)} }}"
_IS_ACTIVE = f"IN ({', '.join(_ACTIVE_STATUSES)})"
_SALE_SIDES = """FILTER NOT EXISTS {
    VALUES (?sideA ?sideB) {
      (aa:acquirer aa:acquiree) (aa:acquiree aa:acquirer) (aa:acquirer aa:seller)
      (aa:seller aa:acquirer) (aa:seller aa:acquiree) (aa:acquiree aa:seller)
    }
    ?deal ?sideA ?a ; ?sideB ?b .
  }"""


def _deal_partners_of(first: str, second: str) -> str:
    return f"""CONSTRUCT {{ ?a aa:partnerOf ?b }}
WHERE {{
  VALUES ?{first} {{ $AFFECTED }}
  ?deal aa:party ?{first} ; aa:status ?status .
  FILTER (?status {_IS_ACTIVE})
  ?deal aa:party ?{second} .
  FILTER (?a != ?b)
  {_SALE_SIDES}
}}"""


def _alliance_partners_of(first: str, second: str) -> str:
    return f"""CONSTRUCT {{ ?a aa:partnerOf ?b }}
WHERE {{
  VALUES ?{first} {{ $AFFECTED }}
  ?d1 aa:party ?{first} ; aa:status ?s1 ; aa:alliance|aa:establishes ?alliance .
  FILTER (?s1 {_IS_ACTIVE})
  ?d2 aa:alliance|aa:establishes ?alliance ; aa:status ?s2 ; aa:party ?{second} .
  FILTER (?s2 {_IS_ACTIVE})
  FILTER (?a != ?b)
}}"""


RULES: tuple[Rule, ...] = (
    Rule(
        "roles-imply-party",
        "A firm in any role of a deal (aa:supplier, aa:acquirer, aa:member, ...) is a party of it: the "
        "rdfs:subPropertyOf closure of aa:party, with the sub-properties read from the ontology.",
        """CONSTRUCT { ?deal aa:party ?firm }
WHERE {
  ?role rdfs:subPropertyOf+ aa:party .
  ?deal ?role ?firm .
}""",
        node="deal",
    ),
    Rule(
        "type-closure",
        "A node of an aa: class is also of every aa: class above it along rdfs:subClassOf: a memorandum of "
        "understanding is an aa:Deal, an antitrust investigation an aa:Investigation.",
        """CONSTRUCT { ?node rdf:type ?super }
WHERE {
  { SELECT DISTINCT ?class ?super WHERE {
      ?class rdfs:subClassOf+ ?super .
      FILTER (isIRI(?super) && STRSTARTS(STR(?super), STR(aa:)))
  } }
  ?node rdf:type ?class .
}""",
        node="node",
    ),
    Rule(
        "domain-closure",
        "A deal or alliance about a technology domain is also about every broader domain (skos:broader, "
        "transitively, through every broader concept): fuel cells -> powertrain electrification -> powertrain.",
        """CONSTRUCT { ?node aa:domain ?broader }
WHERE {
  ?node aa:domain ?domain .
  ?domain skos:broader+ ?broader .
}""",
        node="node",
    ),
    Rule(
        "deal-partners",
        "Two distinct parties of the same deal whose status is Announced, Signed or Completed are partners, "
        "in both directions; never the two sides of a sale in that deal: acquirer and acquiree, acquirer and "
        "seller, seller and acquiree (co-acquirers are partners). Rumoured, InTalks and Ended deals make no "
        "partners.",
        f"""CONSTRUCT {{ ?a aa:partnerOf ?b }}
WHERE {{
  {_ACTIVE}
  ?deal aa:status ?status ; aa:party ?a, ?b .
  FILTER (?a != ?b)
  {_SALE_SIDES}
}}""",
        about=(_deal_partners_of("a", "b"), _deal_partners_of("b", "a")),
    ),
    Rule(
        "alliance-partners",
        "Firms in the same alliance are partners: the members of its Announced, Signed or Completed "
        "alliance memberships (aa:alliance) and the parties of such a deal that aa:establishes it.",
        f"""CONSTRUCT {{ ?a aa:partnerOf ?b }}
WHERE {{
  {{ SELECT DISTINCT ?alliance ?a WHERE {{
      {_ACTIVE}
      ?deal aa:status ?status ; aa:party ?a .
      {{ ?deal aa:alliance ?alliance }} UNION {{ ?deal aa:establishes ?alliance }}
  }} }}
  {{ SELECT DISTINCT ?alliance ?b WHERE {{
      {_ACTIVE}
      ?deal aa:status ?status ; aa:party ?b .
      {{ ?deal aa:alliance ?alliance }} UNION {{ ?deal aa:establishes ?alliance }}
  }} }}
  FILTER (?a != ?b)
}}""",
        about=(_alliance_partners_of("a", "b"), _alliance_partners_of("b", "a")),
    ),
    Rule(
        "alliance-members",
        "The members of an alliance (aa:hasMember): the parties of an Announced, Signed or Completed deal that "
        "aa:establishes it (its founders) and the aa:member of such an alliance membership. Rumoured, InTalks "
        "and Ended memberships make no member.",
        f"""CONSTRUCT {{ ?alliance aa:hasMember ?firm }}
WHERE {{
  {_ACTIVE}
  ?deal aa:status ?status .
  {{ ?deal aa:establishes ?alliance ; aa:party ?firm }} UNION {{ ?deal aa:alliance ?alliance ; aa:member ?firm }}
}}""",
    ),
    Rule(
        "partner-symmetry",
        "aa:partnerOf is symmetric: every partnership is stated in both directions.",
        "CONSTRUCT { ?b aa:partnerOf ?a } WHERE { ?a aa:partnerOf ?b }",
    ),
)


def _to_ox(term: Node) -> ox.NamedNode | ox.BlankNode | ox.Literal:
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    raise TypeError(f"not an RDF term: {term!r}")


def _to_quad(s: Node, p: Node, o: Node) -> ox.Quad:
    subject, predicate = _to_ox(s), _to_ox(p)
    if isinstance(subject, ox.Literal) or not isinstance(predicate, ox.NamedNode):
        raise TypeError(f"not an RDF triple: {(s, p, o)!r}")
    return ox.Quad(subject, predicate, _to_ox(o))


def _to_rdflib(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Triple):
        raise TypeError(f"the rules derive no quoted triples: {term}")
    if term.language:
        return Literal(term.value, lang=term.language)
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def add_parsed(graph: Graph, data: bytes, fmt: ox.RdfFormat = ox.RdfFormat.N_QUADS) -> set[Node]:
    """Add the triples of ``data`` (N-Quads by default; graph names are dropped) to ``graph``; returns their
    subjects. Parsed by pyoxigraph, several times faster than rdflib's own N-Triples parser."""
    terms: dict[object, Node] = {}

    def term(t: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> Node:
        found = terms.get(t)
        if found is None:
            found = terms[t] = _to_rdflib(t)
        return found

    triples = [(term(q.subject), term(q.predicate), term(q.object)) for q in ox.parse(data, format=fmt)]
    graph.addN((s, p, o, graph) for s, p, o in triples)
    return {s for s, _, _ in triples}


def _construct(store: ox.Store, query: str, union: bool = False) -> ox.QueryTriples:
    """The triples of the CONSTRUCT ``query`` over ``store`` (its default graph, or the union of its graphs)."""
    triples = store.query(query, use_default_graph_as_union=union)
    assert isinstance(triples, ox.QueryTriples), "_construct() is given CONSTRUCT queries only"
    return triples


def infer(dataset_union: Graph, ontology: Graph) -> Graph:
    """Return the triples for graph:inferred: what ``RULES`` derive, in order, and nobody asserted.

    ``dataset_union`` is the union of the document and registry graphs (a Graph, or a Dataset read as its
    union); ``ontology`` supplies rdfs:subPropertyOf, rdfs:subClassOf and skos:broader. Each rule sees the
    data, the ontology and the triples of the rules before it. Neither input is changed. The result is a set
    of triples, the same for the same input. The rules run in an in-memory Oxigraph store, whose SPARQL is
    many times faster than rdflib's on large graphs.
    """
    store = ox.Store()
    for source in (_triples(dataset_union), iter(ontology)):
        store.bulk_extend(_to_quad(s, p, o) for s, p, o in source)
    inferred = Graph()
    for prefix, namespace in PREFIXES.items():
        inferred.bind(prefix, namespace)
    for rule in RULES:
        constructed = _construct(store, _PROLOGUE + rule.construct)
        new = [quad for quad in (ox.Quad(t.subject, t.predicate, t.object) for t in constructed) if quad not in store]
        store.bulk_extend(new)
        for quad in new:
            inferred.add((_to_rdflib(quad.subject), _to_rdflib(quad.predicate), _to_rdflib(quad.object)))
    return inferred


# ---------------------------------------------------------------------------------------------------------------
# In the build's store: rules as SPARQL over the staged Oxigraph store, clashes across graphs
# ---------------------------------------------------------------------------------------------------------------


# Past this many nodes an incremental build runs the rules across documents over the whole store: a long
# VALUES list costs more than it saves.
_AFFECTED_MAX = 5000
_PARTY = ox.NamedNode(PREFIXES["aa"] + "party")


def infer_in_store(
    store: ox.Store,
    graph: str,
    nodes: set[ox.NamedNode] | None = None,
    terms: set[ox.NamedNode] | None = None,
    changed: set[ox.Quad] | None = None,
) -> tuple[int, set[ox.Quad]]:
    """Apply ``RULES`` in order over the union of ``store``'s graphs, adding what they derive to ``graph``.

    As :func:`infer`: a derived triple is added only when no graph holds it yet, and each rule sees the triples
    of the rules before it. With ``nodes`` (an incremental build; ``graph`` holds what the rules derived from the
    previous build's graphs, and the ontology is that build's), the rules with a ``node`` are run again for
    those nodes alone (every node that is a subject in a changed, added or removed graph: their triples in
    ``graph`` are dropped first). The other rules (across documents: partners, members) are run again for the
    triples about the affected nodes alone when ``terms`` gives every IRI of those graphs, old and new: the
    affected nodes are these and the parties of the deals among them, and the triples of these rules whose
    subject or object is affected are dropped and derived again; a triple of two unaffected nodes rests on deals
    that did not change. Without ``terms`` they run over everything. The result is the same either way. Returns
    how many triples ``graph`` holds afterwards, and the triples it holds now and did not hold before; ``changed``,
    when given, receives those and the triples it held before and holds no more.
    """
    target = ox.NamedNode(graph)
    before: set[ox.Quad] = set()

    def drop(quads: Iterable[ox.Quad]) -> None:
        found = set(quads)
        for quad in found:
            store.remove(quad)
        before.update(found)

    if nodes is not None:
        for rule in RULES:
            if rule.node is not None:
                predicate = ox.NamedNode(rule.predicate)
                drop(q for node in nodes for q in store.quads_for_pattern(node, predicate, None, target))
    affected: list[ox.NamedNode] | None = None
    dropped = False
    added: set[ox.Quad] = set()
    for rule in RULES:
        queries = [rule.construct]
        if nodes is not None and rule.node is not None:
            if not nodes:
                continue
            queries = [rule.construct.replace("WHERE {", f"WHERE {{\n  VALUES ?{rule.node} {{ {_values(nodes)} }}", 1)]
        elif nodes is not None:
            if not dropped:  # the first rule across documents: the node rules have run (aa:party is complete)
                dropped = True
                affected = _affected(store, terms or set()) if terms is not None else None
                if affected is not None and len(affected) > _AFFECTED_MAX:
                    affected = None
                for other in RULES:
                    if other.node is None:
                        predicate = ox.NamedNode(other.predicate)
                        if affected is None:
                            drop(store.quads_for_pattern(None, predicate, None, target))
                        else:
                            drop(q for n in affected for q in store.quads_for_pattern(n, predicate, None, target))
                            drop(q for n in affected for q in store.quads_for_pattern(None, predicate, n, target))
            if affected is not None:
                if not affected:
                    continue
                values = _values(affected)
                queries = [q.replace("$AFFECTED", values) for q in rule.about] or [_about(rule, values)]
        new = {
            ox.Quad(t.subject, t.predicate, t.object, target)
            for query in queries
            for t in _construct(store, _PROLOGUE + query, union=True)
            if next(store.quads_for_pattern(t.subject, t.predicate, t.object, None), None) is None
        }
        store.extend(new)
        added |= new
    if changed is not None:
        changed |= added ^ before
    count = next(select(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {target} {{ ?s ?p ?o }} }}"))
    return int(count["n"].value), added - before  # counted by the store: iterating the quads takes seconds


def _values(nodes: Iterable[ox.NamedNode]) -> str:
    return " ".join(str(n) for n in sorted(nodes, key=str))


def _affected(store: ox.Store, terms: set[ox.NamedNode]) -> list[ox.NamedNode]:
    """``terms`` and the parties (in any graph) of those of them that are deals."""
    parties = {
        q.object
        for t in terms
        for q in store.quads_for_pattern(t, _PARTY, None, None)
        if isinstance(q.object, ox.NamedNode)
    }
    return sorted(terms | parties, key=str)


def _about(rule: Rule, values: str) -> str:
    """``rule``'s query restricted to the triples whose subject or object is one of ``values``."""
    found = re.match(
        r"(\s*CONSTRUCT\s*\{\s*\?(\w+)\s+\w+:\w+\s+\?(\w+)\s*\})\s*WHERE\s*\{(.*)\}\s*$", rule.construct, re.S
    )
    assert found, f"the template of {rule.name} is one triple pattern of two variables"
    template, subject, obj, body = found.groups()
    return (
        f"{template}\nWHERE {{\n  {{ VALUES ?{subject} {{ {values} }}\n{body} }}\n"
        f"  UNION\n  {{ VALUES ?{obj} {{ {values} }}\n{body} }}\n}}"
    )


def _witnesses(ontology: Graph, members: list[Node]) -> tuple[list[tuple[Node, Node]], ...]:
    """What makes a node a member of a disjoint class: (type, member), (property, member) as subject/object."""
    supers = _closure((a, b) for a, b in ontology.subject_objects(RDFS.subClassOf) if isinstance(b, URIRef))
    super_props = _closure(ontology.subject_objects(RDFS.subPropertyOf))
    wanted = set(members)

    def in_members(cls: Node) -> set[Node]:
        return (supers.get(cls, {cls}) | {cls}) & wanted

    classes = {c for c in ontology.subjects(RDF.type, OWL.Class) if isinstance(c, URIRef)} | wanted
    types = sorted({(c, m) for c in classes for m in in_members(c)})
    subject, obj = set(), set()
    for p in _declared(ontology, OWL.ObjectProperty):
        for q in super_props.get(p, {p}) | {p}:
            for d in ontology.objects(q, RDFS.domain):
                subject |= {(p, m) for m in in_members(d)}
            for r in ontology.objects(q, RDFS.range):
                obj |= {(p, m) for m in in_members(r)}
    return types, sorted(subject), sorted(obj)


def _pair_values(pairs: list[tuple[Node, Node]]) -> str:
    return " ".join(f"(<{a}> <{b}>)" for a, b in pairs) or "(UNDEF UNDEF)"


def find_clashes(store: ox.Store, ontology: Graph, nodes: set[ox.NamedNode] | None = None) -> list[str]:
    """Nodes of ``store`` (all graphs together) that fall into two classes the ontology declares disjoint.

    A node's classes are read as HermiT reads this ontology: its ``rdf:type``, the domains and ranges of the
    (super-)properties it is used with, and their super-classes. One SPARQL query per ``owl:AllDisjointClasses``
    axiom. With ``nodes``, only those nodes are looked at. Returns one sentence per node and pair of classes,
    sorted (at most a few dozen).
    """
    clashes: list[str] = []
    if nodes is not None and not nodes:
        return clashes
    only = f"VALUES ?x {{ {' '.join(str(n) for n in sorted(nodes, key=str))} }}" if nodes is not None else ""
    for axiom in ontology.subjects(RDF.type, OWL.AllDisjointClasses):
        head = ontology.value(axiom, OWL.members)
        members = list(ontology.items(head)) if head is not None else []
        types, subject, obj = _witnesses(ontology, members)
        query = f"""SELECT ?x (GROUP_CONCAT(DISTINCT STR(?m); SEPARATOR=" ") AS ?ms) WHERE {{
  {{ {only} VALUES (?t ?m) {{ {_pair_values(types)} }} ?x a ?t }}
  UNION {{ {only} VALUES (?p ?m) {{ {_pair_values(subject)} }} ?x ?p ?any }}
  UNION {{ {only} VALUES (?p ?m) {{ {_pair_values(obj)} }} ?any ?p ?x FILTER (!isLiteral(?x)) }}
}} GROUP BY ?x HAVING (COUNT(DISTINCT ?m) > 1) ORDER BY ?x LIMIT {_MAX_CLASHES + 1}"""
        for row in select(store, query):
            node = row["x"]
            name = short_name(URIRef(node.value)) if isinstance(node, ox.NamedNode) else str(node)
            found = sorted(short_name(URIRef(m)) for m in row["ms"].value.split())
            clashes.append(f"{name} is {' and '.join(found)}, which the ontology declares disjoint")
    return sorted(clashes)
