"""The closed ``aa:`` vocabulary: a typo in a term is an AttributeError, not a silent new IRI.

``tests/test_vocab.py`` checks that this list and ``ontology/autoalliance.ttl`` define the same terms.
"""

from __future__ import annotations

from rdflib.namespace import DefinedNamespace, Namespace
from rdflib.term import URIRef


class AA(DefinedNamespace):
    _NS = Namespace("https://w3id.org/autoalliance/ontology#")
    _fail = True

    # classes
    Firm: URIRef
    Brand: URIRef
    Authority: URIRef
    Person: URIRef
    Product: URIRef
    Deal: URIRef
    Cooperation: URIRef
    MemorandumOfUnderstanding: URIRef
    CollaborationAgreement: URIRef
    JointStatement: URIRef
    SupplyAgreement: URIRef
    JointVenture: URIRef
    Acquisition: URIRef
    Merger: URIRef
    EquityStake: URIRef
    CrossShareholding: URIRef
    Divestment: URIRef
    AllianceMembership: URIRef
    Collusion: URIRef
    Alliance: URIRef
    Investigation: URIRef
    AntitrustInvestigation: URIRef
    MergerReview: URIRef
    TechnologyDomain: URIRef
    SourceDocument: URIRef
    Evidence: URIRef
    DealStatus: URIRef
    InvestigationStatus: URIRef
    AttributionType: URIRef
    FirmKind: URIRef
    ProductKind: URIRef

    # concept schemes and their concepts
    TechnologyDomains: URIRef
    DealStatuses: URIRef
    Rumoured: URIRef
    InTalks: URIRef
    Announced: URIRef
    Signed: URIRef
    Completed: URIRef
    Ended: URIRef
    InvestigationStatuses: URIRef
    Open: URIRef
    Cleared: URIRef
    Closed: URIRef
    AttributionTypes: URIRef
    OfficialStatement: URIRef
    ExecutiveStatement: URIRef
    PressReport: URIRef
    AnonymousSources: URIRef
    Speculation: URIRef
    FirmKinds: URIRef
    Automaker: URIRef
    Supplier: URIRef
    TechnologyFirm: URIRef
    MobilityService: URIRef
    ProductKinds: URIRef
    Vehicle: URIRef
    Engine: URIRef
    Platform: URIRef
    Component: URIRef
    Service: URIRef

    # object properties
    party: URIRef
    supplier: URIRef
    customer: URIRef
    acquirer: URIRef
    acquiree: URIRef
    seller: URIRef
    investor: URIRef
    investee: URIRef
    member: URIRef
    domain: URIRef
    status: URIRef
    signatory: URIRef
    expands: URIRef
    partOf: URIRef
    alliance: URIRef
    establishes: URIRef
    product: URIRef
    value: URIRef
    subsidiaryOf: URIRef
    brandOf: URIRef
    affiliation: URIRef
    maker: URIRef
    firmKind: URIRef
    productKind: URIRef
    partnerOf: URIRef
    evidence: URIRef
    attribution: URIRef
    investigatedBy: URIRef
    investigates: URIRef
    concerns: URIRef
    merges: URIRef
    creates: URIRef
    ownedBy: URIRef
    hasMember: URIRef
    declinedToComment: URIRef
    ends: URIRef
    formalises: URIRef
    reaffirms: URIRef
    speaker: URIRef

    # datatype properties
    announcedOn: URIRef
    signedOn: URIRef
    startsOn: URIRef
    endedOn: URIRef
    foundedOn: URIRef
    countryCode: URIRef
    dateEstimated: URIRef
    dateEstimateReason: URIRef
    completedOn: URIRef
    signedOnOrBefore: URIRef
    exclusive: URIRef
    thirdPartyLicensing: URIRef
    headcount: URIRef
    automationLevel: URIRef
    unnamedParties: URIRef


DEAL_KINDS: tuple[str, ...] = (
    "Cooperation",
    "MemorandumOfUnderstanding",
    "CollaborationAgreement",
    "JointStatement",
    "SupplyAgreement",
    "JointVenture",
    "Acquisition",
    "Merger",
    "EquityStake",
    "CrossShareholding",
    "Divestment",
    "AllianceMembership",
    "Collusion",
)
DEAL_STATUSES = ("Rumoured", "InTalks", "Announced", "Signed", "Completed", "Ended")
ACTIVE_STATUSES = ("Announced", "Signed", "Completed")
INVESTIGATION_KINDS = ("AntitrustInvestigation", "MergerReview")
INVESTIGATION_STATUSES = ("Open", "Cleared", "Closed")
ATTRIBUTIONS = ("OfficialStatement", "ExecutiveStatement", "PressReport", "AnonymousSources", "Speculation")
FIRM_KINDS = ("Automaker", "Supplier", "TechnologyFirm", "MobilityService")
PRODUCT_KINDS = ("Vehicle", "Engine", "Platform", "Component", "Service")
ROLES: tuple[str, ...] = ("supplier", "customer", "acquirer", "acquiree", "seller", "investor", "investee", "member")
