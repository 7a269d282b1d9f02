"""Stage 3: records -> RDF dataset: one named graph per document, one for the registry."""

from __future__ import annotations

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS, XSD, Namespace

from . import iris
from .evidence import Anchor
from .records import Corpus, Deal, Document, Entity, PartialDate, Quote, Value
from .vocab import AA

OA = Namespace("http://www.w3.org/ns/oa#")
SCHEMA = Namespace("https://schema.org/")

DATE_PROPERTIES = {
    "announced": AA.announcedOn,
    "signed": AA.signedOn,
    "signed_on_or_before": AA.signedOnOrBefore,
    "completed": AA.completedOn,
    "starts": AA.startsOn,
    "ended": AA.endedOn,
}
#: Deal-to-deal links by format key.
DEAL_LINKS = {
    "expands": AA.expands,
    "part_of": AA.partOf,
    "formalises": AA.formalises,
    "reaffirms": AA.reaffirms,
    "ends": AA.ends,
}
ENTITY_IRIS = {
    "firms": iris.firm,
    "brands": iris.brand,
    "authorities": iris.authority,
    "people": iris.person,
    "products": iris.product,
}
ENTITY_CLASSES = {
    "firms": AA.Firm,
    "brands": AA.Brand,
    "authorities": AA.Authority,
    "people": AA.Person,
    "products": AA.Product,
}


def date_literal(value: PartialDate) -> Literal:
    """The literal whose XSD datatype carries the date's precision (``xsd:gYear``, ``gYearMonth``, ``date``)."""
    return Literal(value.isoformat(), datatype=XSD[value.datatype])


def amount_literal(amount: str) -> Literal:
    """A whole amount as ``xsd:integer``, otherwise ``xsd:decimal`` without trailing zeros.

    Both forms survive every round trip unchanged (rdflib's Turtle writer turns ``"5"^^xsd:decimal`` into
    ``5.0``, while Oxigraph stores it as ``"5"``).
    """
    whole, _, fraction = amount.partition(".")
    fraction = fraction.rstrip("0")
    if not fraction:
        return Literal(str(int(whole)), datatype=XSD.integer)
    return Literal(f"{int(whole)}.{fraction}", datatype=XSD.decimal)


def map_registry(corpus: Corpus) -> Graph:
    """The curated firms, brands, authorities, people and products, as the triples of ``graph:registry``."""
    g = Graph()
    for entity in corpus.registry:
        node = ENTITY_IRIS[entity.kind](entity.id)
        g.add((node, RDF.type, ENTITY_CLASSES[entity.kind]))
        g.add((node, RDFS.label, Literal(entity.label)))
        g.add((node, SKOS.prefLabel, Literal(entity.label)))
        _map_entity_fields(g, node, entity)
    return g


def _map_entity_fields(g: Graph, node: URIRef, entity: Entity) -> None:
    f = entity.fields
    alts = f.get("alt") or []
    assert isinstance(alts, list), "the registry reader always gives ``alt`` as a list"
    for alt in alts:
        if alt and alt != entity.label:
            g.add((node, SKOS.altLabel, Literal(alt)))
    if f.get("legal_name"):
        g.add((node, SCHEMA.legalName, Literal(f["legal_name"])))
    if f.get("country"):
        g.add((node, AA.countryCode, Literal(f["country"])))
    if f.get("kind"):
        kind_property = AA.productKind if entity.kind == "products" else AA.firmKind
        g.add((node, kind_property, AA[str(f["kind"])]))
    if f.get("parent"):
        g.add((node, AA.subsidiaryOf, iris.firm(str(f["parent"]))))
    owners = f.get("owners") or []
    assert isinstance(owners, list), "the registry reader always gives ``owners`` as a list"
    for owner in owners:
        g.add((node, AA.ownedBy, iris.firm(str(owner))))
    headcount = f.get("headcount")
    if headcount is not None:
        assert isinstance(headcount, int), "the registry reader always gives ``headcount`` as an int"
        g.add((node, AA.headcount, Literal(headcount, datatype=XSD.integer)))
    if f.get("owner"):
        g.add((node, AA.brandOf, iris.firm(str(f["owner"]))))
    if f.get("maker"):
        g.add((node, AA.maker, iris.firm(str(f["maker"]))))
    if f.get("title"):
        g.add((node, SCHEMA.jobTitle, Literal(f["title"])))
    if f.get("affiliation"):
        g.add((node, AA.affiliation, iris.firm(str(f["affiliation"]))))
    if f.get("wikidata"):
        g.add((node, OWL.sameAs, iris.wikidata(str(f["wikidata"]))))
    if f.get("note"):
        g.add((node, RDFS.comment, Literal(f["note"])))


def _map_evidence(g: Graph, doc: Document, subject: URIRef, quotes: list[Quote], anchors: dict[Quote, Anchor]) -> None:
    for quote in quotes:
        anchor = anchors[quote]
        ev = iris.evidence(doc.id, anchor.start, anchor.end)
        text_sel, pos_sel = iris.quote_selector(ev), iris.position_selector(ev)
        g.add((subject, AA.evidence, ev))
        g.add((ev, RDF.type, AA.Evidence))
        g.add((ev, OA.hasSource, iris.document(doc.id)))
        g.add((ev, AA.attribution, AA[quote.attribution]))
        if quote.speaker:
            g.add((ev, AA.speaker, iris.person(quote.speaker)))
        g.add((ev, OA.hasSelector, text_sel))
        g.add((ev, OA.hasSelector, pos_sel))
        g.add((text_sel, RDF.type, OA.TextQuoteSelector))
        g.add((text_sel, OA.exact, Literal(anchor.exact)))
        if anchor.prefix:
            g.add((text_sel, OA.prefix, Literal(anchor.prefix)))
        if anchor.suffix:
            g.add((text_sel, OA.suffix, Literal(anchor.suffix)))
        g.add((pos_sel, RDF.type, OA.TextPositionSelector))
        # xsd:integer, not xsd:nonNegativeInteger: Oxigraph stores integer subtypes as xsd:integer, and the
        # store and the dumps must hold the same literals (the shapes check that offsets are >= 0).
        g.add((pos_sel, OA.start, Literal(anchor.start, datatype=XSD.integer)))
        g.add((pos_sel, OA.end, Literal(anchor.end, datatype=XSD.integer)))


def _map_node(g: Graph, node: URIRef, rdf_type: URIRef, label: str, note: str | None) -> URIRef:
    """Type, label and reviewer's note of an asserted node; returns ``node``."""
    g.add((node, RDF.type, rdf_type))
    g.add((node, RDFS.label, Literal(label)))
    if note:
        g.add((node, RDFS.comment, Literal(note)))
    return node


def _link_all(g: Graph, node: URIRef, prop: URIRef, targets: list[URIRef]) -> None:
    for target in targets:
        g.add((node, prop, target))


def _map_deal(g: Graph, deal: Deal) -> URIRef:
    node = _map_node(g, iris.deal(deal.id), AA[deal.kind], deal.label, deal.note)
    g.add((node, AA.status, AA[deal.status]))
    for firm in deal.parties:
        g.add((node, AA.party, iris.firm(firm)))
    for role, firms in deal.roles.items():
        for firm in firms:
            g.add((node, AA[role], iris.firm(firm)))
    for key, value in deal.dates.items():
        g.add((node, DATE_PROPERTIES[key], date_literal(value)))
    if deal.dates_estimated:
        g.add((node, AA.dateEstimated, Literal(True)))
        g.add((node, AA.dateEstimateReason, Literal(deal.dates_estimated)))
    links = [
        (AA.domain, iris.domain, deal.domains),
        (AA.product, iris.product, deal.products),
        (AA.signatory, iris.person, deal.signatories),
        (AA.merges, iris.firm, deal.merges),
        (AA.creates, iris.firm, deal.creates),
        (AA.declinedToComment, iris.firm, deal.declined_to_comment),
        *((DEAL_LINKS[key], iris.deal, slugs) for key, slugs in deal.links().items()),
    ]
    for prop, mint, slugs in links:
        _link_all(g, node, prop, [mint(slug) for slug in slugs])
    if deal.alliance:
        g.add((node, AA.alliance, iris.alliance(deal.alliance)))
    if deal.establishes:
        g.add((node, AA.establishes, iris.alliance(deal.establishes)))
    facts = (
        (AA.exclusive, deal.exclusive, XSD.boolean),
        (AA.thirdPartyLicensing, deal.third_party_licensing, XSD.boolean),
        (AA.headcount, deal.headcount, XSD.integer),
        (AA.automationLevel, deal.automation_level, XSD.integer),
        (AA.unnamedParties, deal.unnamed_parties, XSD.integer),
    )
    for prop, fact, datatype in facts:
        if fact is not None:
            g.add((node, prop, Literal(fact, datatype=datatype)))
    if deal.value:
        _map_value(g, node, deal.value)
    return node


def _map_value(g: Graph, deal_node: URIRef, value: Value) -> None:
    """A schema:MonetaryAmount; an amount shared by several deals is one node under id/amount/."""
    node = iris.amount(value.shared) if value.shared else iris.deal_value(deal_node)
    g.add((deal_node, AA.value, node))
    g.add((node, RDF.type, SCHEMA.MonetaryAmount))
    g.add((node, SCHEMA.currency, Literal(value.currency)))
    for amount, prop in ((value.amount, SCHEMA.value), (value.max, SCHEMA.maxValue), (value.min, SCHEMA.minValue)):
        if amount is not None:
            g.add((node, prop, amount_literal(amount)))


def map_document(doc: Document, anchors: dict[Quote, Anchor]) -> Graph:
    """Everything ``doc`` states, as the triples of its graph ``graph:doc/<id>``."""
    g = Graph()
    node = iris.document(doc.id)
    g.add((node, RDF.type, AA.SourceDocument))
    g.add((node, DCTERMS.title, Literal(doc.title)))
    g.add((node, DCTERMS.publisher, Literal(doc.publisher)))
    g.add((node, DCTERMS.issued, date_literal(doc.issued)))
    g.add((node, DCTERMS.language, Literal(doc.language)))
    if doc.issued_estimated:
        g.add((node, AA.dateEstimated, Literal(True)))
        g.add((node, AA.dateEstimateReason, Literal(doc.issued_estimated)))
    if doc.url:
        g.add((node, SCHEMA.url, URIRef(doc.url)))
    for deal in doc.deals:
        _map_evidence(g, doc, _map_deal(g, deal), deal.evidence, anchors)
    for ref in doc.refs:
        _map_evidence(g, doc, iris.deal(ref.ref), ref.evidence, anchors)
    for alliance in doc.alliances:
        a = _map_node(g, iris.alliance(alliance.id), AA.Alliance, alliance.label, alliance.note)
        _link_all(g, a, AA.domain, [iris.domain(slug) for slug in alliance.domains])
        if alliance.founded:
            g.add((a, AA.foundedOn, date_literal(alliance.founded)))
        if alliance.automation_level is not None:
            g.add((a, AA.automationLevel, Literal(alliance.automation_level, datatype=XSD.integer)))
        _map_evidence(g, doc, a, alliance.evidence, anchors)
    for inv in doc.investigations:
        i = _map_node(g, iris.investigation(inv.id), AA[inv.kind], inv.label, inv.note)
        g.add((i, AA.status, AA[inv.status]))
        g.add((i, AA.investigatedBy, iris.authority(inv.by)))
        _link_all(g, i, AA.investigates, [iris.firm(slug) for slug in inv.investigates])
        _link_all(g, i, AA.concerns, [iris.deal(slug) for slug in inv.concerns])
        if inv.started:
            g.add((i, AA.startsOn, date_literal(inv.started)))
        _map_evidence(g, doc, i, inv.evidence, anchors)
    return g


def map_corpus(corpus: Corpus, anchors: dict[Quote, Anchor]) -> Dataset:
    """The dataset of the whole corpus: ``graph:registry`` and one ``graph:doc/<id>`` per document."""
    ds = Dataset()
    for prefix, ns in iris.PREFIXES.items():
        ds.bind(prefix, ns)
    target = ds.graph(iris.GRAPH_REGISTRY)
    for triple in map_registry(corpus):
        target.add(triple)
    for doc in corpus.documents:
        target = ds.graph(iris.document_graph(doc.id))
        for triple in map_document(doc, anchors):
            target.add(triple)
    return ds
