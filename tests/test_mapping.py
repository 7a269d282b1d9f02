"""kg.mapping: the RDF of the valid fixture, compared with the golden file by graph isomorphism."""

from __future__ import annotations

from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import XSD

from kg import iris
from kg.evidence import read_corpus
from kg.mapping import date_literal, map_corpus
from kg.records import PartialDate
from kg.vocab import AA

DATA = Path(__file__).parent / "data"


def assert_isomorphic(expected: Graph, actual: Graph, name: str) -> None:
    iso_expected, iso_actual = to_isomorphic(expected), to_isomorphic(actual)
    if iso_expected != iso_actual:
        _, missing, extra = graph_diff(iso_expected, iso_actual)
        lines = [f"- {' '.join(t.n3() for t in triple)}" for triple in sorted(missing)]
        lines += [f"+ {' '.join(t.n3() for t in triple)}" for triple in sorted(extra)]
        raise AssertionError(f"graph {name} differs from the golden file:\n" + "\n".join(lines))


def mapped() -> Dataset:
    corpus, anchors = read_corpus(DATA / "valid", {"battery-cells"})
    return map_corpus(corpus, anchors)


def test_mapping_matches_golden() -> None:
    golden = Dataset()
    golden.parse(DATA / "golden/doc1.trig", format="trig")
    actual = mapped()
    names = {c.identifier for c in golden.contexts() if len(c)}
    assert names == {c.identifier for c in actual.contexts() if len(c)}
    for name in sorted(names):
        assert_isomorphic(golden.graph(name), actual.graph(name), name)


def test_one_graph_per_document_and_one_for_the_registry() -> None:
    ds = mapped()
    doc_graph = ds.graph(iris.document_graph("doc1"))
    registry = ds.graph(iris.GRAPH_REGISTRY)
    assert (iris.deal("alpha-beta-acquisition"), AA.status, AA.InTalks) in doc_graph
    assert (iris.firm("alpha-motors"), AA.countryCode, Literal("DE")) in registry
    assert not list(registry.triples((None, AA.status, None)))


def test_dates_keep_their_precision() -> None:
    assert date_literal(PartialDate(2014)) == Literal("2014", datatype=XSD.gYear)
    assert date_literal(PartialDate(2012, 3)) == Literal("2012-03", datatype=XSD.gYearMonth)
    assert date_literal(PartialDate(2012, 6, 29)) == Literal("2012-06-29", datatype=XSD.date)


def test_evidence_offsets_select_the_quote() -> None:
    ds = mapped()
    text = (DATA / "valid/documents/doc1.txt").read_text(encoding="utf-8")
    rows = ds.query(
        "PREFIX oa: <http://www.w3.org/ns/oa#> SELECT ?exact ?start ?end WHERE { GRAPH ?g { "
        "?q oa:exact ?exact . ?ev oa:hasSelector ?q, ?p . ?p oa:start ?start ; oa:end ?end } }"
    )
    checked = 0
    for exact, start, end in rows:
        assert text[int(start) : int(end)] == str(exact)
        checked += 1
    assert checked == 4
    assert isinstance(iris.evidence("doc1", 0, 68), URIRef)


def test_invented_article_maps_the_new_terms_to_the_golden_graph() -> None:
    """tests/data/article/: a dated article (no issued_estimated) that uses every term the seeds do not: a joint
    venture's company and its two owners, a lower-bound amount shared by three deals, completion and "signed on or
    before" dates, formalises, merges, ends, unnamed parties, declined to comment, a speaker, exclusivity,
    third-party licensing, headcount and automation level."""
    from kg.build import domain_slugs
    from kg.ontology import load_ontology

    corpus, anchors = read_corpus(DATA / "article", domain_slugs(load_ontology(DATA.parent.parent / "ontology")))
    assert corpus.documents[0].issued_estimated is None
    actual = map_corpus(corpus, anchors)
    golden = Dataset()
    golden.parse(DATA / "golden/article.trig", format="trig")
    names = {c.identifier for c in golden.contexts() if len(c)}
    assert names == {c.identifier for c in actual.contexts() if len(c)}
    for name in sorted(names):
        assert_isomorphic(golden.graph(name), actual.graph(name), name)
    used = {p for _, p, _, _ in actual.quads((None, None, None, None)) if str(p).startswith(str(AA._NS))}
    new_terms = {
        AA.creates,
        AA.ownedBy,
        AA.completedOn,
        AA.signedOnOrBefore,
        AA.formalises,
        AA.merges,
        AA.ends,
        AA.unnamedParties,
        AA.declinedToComment,
        AA.speaker,
        AA.exclusive,
        AA.thirdPartyLicensing,
        AA.headcount,
        AA.automationLevel,
    }
    assert new_terms <= used, new_terms - used


def test_invented_article_conforms_to_the_shapes() -> None:
    from kg.build import domain_slugs
    from kg.ontology import load_ontology
    from kg.validation import validate_dataset

    ontology_dir = DATA.parent.parent / "ontology"
    corpus, anchors = read_corpus(DATA / "article", domain_slugs(load_ontology(ontology_dir)))
    report = validate_dataset(map_corpus(corpus, anchors), ontology_dir)
    assert report.conforms, "\n".join(report.lines())


def test_a_shared_amount_is_one_node() -> None:
    from kg.build import domain_slugs
    from kg.ontology import load_ontology

    corpus, anchors = read_corpus(DATA / "article", domain_slugs(load_ontology(DATA.parent.parent / "ontology")))
    graph = map_corpus(corpus, anchors).graph(iris.document_graph("art1"))
    values = {o for _, o in graph.subject_objects(AA.value)}
    assert values == {iris.amount("borealis-cobalt-2019-joint-ventures")}
    assert len(list(graph.subjects(AA.value, None))) == 3
