"""Hostile or broken annotation input: every case is a located ``path:line:col`` error, exit code 2, bounded output.

The cases that fit in a file are fixtures of tests/data/invalid/ (tags, aliases, a huge integer, cycles between
deals, dates out of order); the ones that cannot be written as a readable fixture (NUL bytes, invalid UTF-8,
thousands of nesting levels, megabytes) are built here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from rdflib import Graph

from kg.annotations import MAX_ANNOTATION_BYTES, MAX_DOCUMENT_BYTES
from kg.cli import main
from kg.errors import AnnotationError, AnnotationErrors
from kg.evidence import read_corpus
from kg.validation import validate_dataset
from kg.yamlread import MAX_ERRORS_PER_FILE

DATA = Path(__file__).parent / "data"
ONTOLOGY = Path(__file__).resolve().parent.parent / "ontology"
VALID_YAML = (DATA / "valid/annotations/doc1.yaml").read_text(encoding="utf-8")


def seeds_with(tmp_path: Path, annotation: bytes | None = None, document: bytes | None = None) -> Path:
    seeds = tmp_path / "seeds"
    shutil.copytree(DATA / "valid", seeds)
    if annotation is not None:
        (seeds / "annotations/doc1.yaml").write_bytes(annotation)
    if document is not None:
        (seeds / "documents/doc1.txt").write_bytes(document)
    return seeds


def problems(seeds: Path) -> list[str]:
    with pytest.raises(AnnotationErrors) as info:
        read_corpus(seeds, {"battery-cells"})
    return [str(e) for e in info.value.errors]


def test_a_nul_character_in_yaml_is_located(tmp_path: Path) -> None:
    text = VALID_YAML.replace("  publisher: Example News", "  publisher: Exa\x00mple News")
    assert problems(seeds_with(tmp_path, text.encode())) == [
        "seeds/annotations/doc1.yaml:3:17: YAML syntax: a NUL character is not allowed"
    ]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_annotation_file_is_an_error_not_a_missing_document(tmp_path: Path, text: str) -> None:
    assert problems(seeds_with(tmp_path, text.encode())) == [
        "seeds/annotations/doc1.yaml:1:1: empty annotation file: expected a 'document' block and 'deals'"
    ]


def test_a_control_character_in_yaml_is_located(tmp_path: Path) -> None:
    text = VALID_YAML.replace("  publisher: Example News", "  publisher: Exa\x01mple News")
    [message] = problems(seeds_with(tmp_path, text.encode()))
    assert message.startswith("seeds/annotations/doc1.yaml:3:17: YAML syntax:")


def test_invalid_utf8_in_an_annotation_file_is_located(tmp_path: Path) -> None:
    data = VALID_YAML.encode().replace(b"Example News", b"Example \xff News")
    assert problems(seeds_with(tmp_path, data)) == [
        "seeds/annotations/doc1.yaml:3:22: not UTF-8: invalid start byte (byte 0xff)"
    ]


def test_invalid_utf8_in_a_document_is_located(tmp_path: Path) -> None:
    text = (DATA / "valid/documents/doc1.txt").read_bytes().replace(b"from 2014", b"from \xc3\x28014")
    assert problems(seeds_with(tmp_path, document=text)) == [
        "seeds/documents/doc1.txt:2:53: not UTF-8: invalid continuation byte (byte 0xc3)"
    ]


def test_invalid_utf8_in_the_registry_is_located(tmp_path: Path) -> None:
    seeds = seeds_with(tmp_path)
    registry = seeds / "registry/registry.yaml"
    registry.write_bytes(registry.read_bytes().replace(b"Gamma Cars", b"Gamma \x80Cars", 1))
    assert "seeds/registry/registry.yaml:13:18: not UTF-8: invalid start byte (byte 0x80)" in problems(seeds)


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_of_5000_levels_is_refused_at_its_place(tmp_path: Path, style: str) -> None:
    depth = 5000
    if style == "flow":
        deep = "[" * depth + "]" * depth
    else:  # "- - - x" is a list in a list in a list
        deep = "\n  " + "- " * depth + "x\n"
    text = VALID_YAML.replace("deals:\n", f"deep: {deep}\ndeals:\n", 1)
    [message] = problems(seeds_with(tmp_path, text.encode()))
    line = 8 if style == "flow" else 9
    assert message.startswith(f"seeds/annotations/doc1.yaml:{line}:")
    assert message.endswith("YAML syntax: lists and mappings nested deeper than 40 levels")


def test_an_integer_of_5000_digits_is_an_error_at_its_place(tmp_path: Path) -> None:
    text = VALID_YAML.replace("    starts: 2014\n", "    starts: " + "1" * 5000 + "\n")
    assert problems(seeds_with(tmp_path, text.encode())) == [
        "seeds/annotations/doc1.yaml:29:13: YAML syntax: integer of more than 100 digits"
    ]


def test_an_oversized_annotation_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    filler = "# " + "x" * 98 + "\n"
    text = VALID_YAML + filler * (MAX_ANNOTATION_BYTES // len(filler) + 1)
    [message] = problems(seeds_with(tmp_path, text.encode()))
    assert message.startswith("seeds/annotations/doc1.yaml:1:1: file too large: ")
    assert f"the limit is {MAX_ANNOTATION_BYTES} bytes" in message


def test_an_oversized_document_is_refused(tmp_path: Path) -> None:
    text = (DATA / "valid/documents/doc1.txt").read_bytes() + b"x" * MAX_DOCUMENT_BYTES
    [message] = problems(seeds_with(tmp_path, document=text))
    assert message.startswith("seeds/documents/doc1.txt:1:1: file too large: ")


def test_problems_per_file_are_capped_with_a_count_of_the_rest(tmp_path: Path) -> None:
    n = 3 * MAX_ERRORS_PER_FILE
    junk = "".join(f"  unknown_{i}: x\n" for i in range(n))
    text = VALID_YAML.replace("  language: en\n", "  language: en\n" + junk)
    found = problems(seeds_with(tmp_path, text.encode()))
    assert len(found) == MAX_ERRORS_PER_FILE + 1
    assert found[-1].endswith(f"... and {n - MAX_ERRORS_PER_FILE} more problem(s) in this file; fix these first")


def test_the_summary_counts_the_problems_a_capped_file_left_out(tmp_path: Path) -> None:
    """Regression: the "... and N more" line was counted as one problem in the CLI's summary."""
    n = 3 * MAX_ERRORS_PER_FILE
    junk = "".join(f"  unknown_{i}: x\n" for i in range(n))
    seeds = seeds_with(tmp_path, VALID_YAML.replace("  language: en\n", "  language: en\n" + junk).encode())
    result = CliRunner().invoke(main, ["validate", "-q", "--seeds", str(seeds), "--var", str(tmp_path / "var")])
    assert result.exit_code == 2
    assert f"{n} problem(s) in the annotations" in result.output


def test_capped_lines_count_what_they_stand_for() -> None:
    errors = AnnotationErrors(
        [AnnotationError("a.yaml", 1, 1, "bad"), AnnotationError("a.yaml", 1, 1, "... and 9 more", count=9)]
    )
    assert errors.total == 10
    assert errors.lines(limit=1) == ["a.yaml:1:1: bad", "... and 9 more problem(s)"]


def test_printed_problems_are_capped() -> None:
    errors = AnnotationErrors(AnnotationError("a.yaml", i, 1, "bad") for i in range(1, 1001))
    lines = errors.lines(limit=200)
    assert len(lines) == 201
    assert lines[0] == "a.yaml:1:1: bad"
    assert lines[-1] == "... and 800 more problem(s)"


def test_a_5_megabyte_file_gets_one_line_and_exit_code_2(tmp_path: Path) -> None:
    """The case that once took 75 s and printed 524,000 lines: now refused before it is parsed."""
    entry = "  - {id: d, kind: Nonsense, label: x, status: Nope, evidence: 1}\n"
    text = VALID_YAML + entry * (5_000_000 // len(entry))
    seeds = seeds_with(tmp_path, text.encode())
    result = CliRunner().invoke(main, ["validate", "-q", "--seeds", str(seeds), "--var", str(tmp_path / "var")])
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines[0].startswith("seeds/annotations/doc1.yaml:1:1: file too large")
    assert len(lines) <= 2
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("fixture", "message"),
    [
        ("yaml-python-object", "tags"),
        ("yaml-alias", "aliases"),
        ("huge-integer", "100 digits"),
        ("expands-cycle", "cycle"),
        ("part-of-itself", "names the deal itself"),
        ("ended-before-signed", "before"),
    ],
)
def test_the_cli_answers_hostile_fixtures_with_exit_code_2(tmp_path: Path, fixture: str, message: str) -> None:
    seeds = seeds_with(tmp_path, (DATA / "invalid" / f"{fixture}.yaml").read_bytes())
    result = CliRunner().invoke(main, ["validate", "-q", "--seeds", str(seeds), "--var", str(tmp_path / "var")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    first = result.output.splitlines()[0]
    assert first.startswith("seeds/annotations/doc1.yaml:") and message in first


# The same rules as SHACL SPARQL constraints, for links and dates spread over several documents' graphs.

TTL = """
@prefix aa: <https://w3id.org/autoalliance/ontology#> .
@prefix deal: <https://w3id.org/autoalliance/id/deal/> .
@prefix firm: <https://w3id.org/autoalliance/id/firm/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
firm:a a aa:Firm ; rdfs:label "A" .
firm:b a aa:Firm ; rdfs:label "B" .
deal:x a aa:Cooperation ; rdfs:label "X" ; aa:status aa:Signed ; aa:party firm:a, firm:b .
deal:y a aa:Cooperation ; rdfs:label "Y" ; aa:status aa:Signed ; aa:party firm:a, firm:b .
"""


def _messages(extra: str) -> list[str]:
    graph = Graph().parse(data=TTL + extra, format="turtle")
    report = validate_dataset(graph, ONTOLOGY)
    return [f.message for f in report.results if "evidence" not in f.message]


def test_shacl_finds_a_cycle_between_deals() -> None:
    found = _messages("deal:x aa:expands deal:y . deal:y aa:partOf deal:x .")
    assert sum("form a cycle" in m for m in found) == 2


def test_shacl_finds_a_deal_that_formalises_itself() -> None:
    assert any("form a cycle" in m for m in _messages("deal:x aa:formalises deal:x ."))


def test_shacl_finds_dates_out_of_order_at_their_shared_precision() -> None:
    found = _messages('deal:x aa:signedOn "2012-06-29"^^xsd:date ; aa:endedOn "2011"^^xsd:gYear .')
    assert sum("dates of this deal are out of order" in m for m in found) == 1
    assert not _messages('deal:y aa:signedOn "2012-06-29"^^xsd:date ; aa:endedOn "2012"^^xsd:gYear .')


@pytest.mark.parametrize("key", ["expands", "part_of", "formalises", "reaffirms", "ends"])
def test_a_deal_linked_to_itself_is_an_error(tmp_path: Path, key: str) -> None:
    text = VALID_YAML.replace(
        "    signatories: [ann-example]\n",
        f"    signatories: [ann-example]\n    {key}: alpha-beta-2012-battery-research\n",
    )
    assert problems(seeds_with(tmp_path, text.encode())) == [
        f"seeds/annotations/doc1.yaml:9:5: deal 'alpha-beta-2012-battery-research': '{key}' names the deal itself"
    ]
