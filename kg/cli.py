"""The ``autoalliance`` command: a thin layer over :mod:`kg.build` and the server.

Exit codes: 0 success (or data conforms), 1 the data break the shapes or are inconsistent, 2 the command could
not run (bad annotations, bad arguments, no store).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rdflib import URIRef
from rich.console import Console
from rich.table import Table

from .config import Paths
from .errors import AnnotationErrors, KGError, ReasoningError, ValidationFailed

err = Console(stderr=True, emoji=False)  # ":email:" in a path must not become an emoji
out = Console(emoji=False)

path_options = [
    click.option("--seeds", type=click.Path(file_okay=False, path_type=Path), help="Seeds directory [./seeds]."),
    click.option("--ontology", type=click.Path(file_okay=False, path_type=Path), help="Ontology directory."),
    click.option("--var", type=click.Path(file_okay=False, path_type=Path),
                 help="Output directory for store/, dumps/ and build.json [./var]; env AUTOALLIANCE_VAR."),
]


def with_paths(f):  # noqa: ANN001, ANN201
    for option in reversed(path_options):
        f = option(f)
    return f


def _paths(seeds: Path | None, ontology: Path | None, var: Path | None) -> Paths:
    return Paths.from_env(seeds=seeds, ontology=ontology, var=var)


@contextmanager
def _progress(quiet: bool) -> Iterator:
    if quiet or not err.is_terminal:
        yield lambda step: None if quiet else err.print(f"[dim]· {step}[/dim]")
        return
    with err.status("starting") as status:
        yield lambda step: status.update(f"{step}…")


def _line(text: str) -> None:
    """One problem, as plain text on stderr: never wrapped, styled or rewritten, so tools can parse it."""
    click.echo(text, err=True)


def _fail(exc: KGError) -> None:
    """Print one line per problem and exit with the documented code."""
    if isinstance(exc, AnnotationErrors):
        for e in exc.errors:
            _line(str(e))
        err.print(f"[red]{len(exc.errors)} problem(s) in the annotations; nothing written[/red]")
        sys.exit(2)
    if isinstance(exc, ValidationFailed):
        for line in exc.lines:
            _line(line)
        err.print(f"[red]{exc.message}; nothing written[/red]")
        sys.exit(1)
    if isinstance(exc, ReasoningError):
        _line(f"inconsistent: {exc}")
        sys.exit(1)
    _line(str(exc))
    sys.exit(2)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="autoalliance")
def main() -> None:
    """autoalliance: a knowledge graph of strategic cooperation between automotive firms."""


@main.command()
@with_paths
@click.option("--if-needed", is_flag=True, help="Skip the build when the inputs have not changed.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def build(seeds: Path | None, ontology: Path | None, var: Path | None, if_needed: bool, quiet: bool) -> None:
    """Build the store and the dumps from the seeds (validate, reason, write atomically)."""
    from .build import build as run_build
    from .build import needs_build

    paths = _paths(seeds, ontology, var)
    if if_needed and not needs_build(paths):
        err.print(f"up to date: {paths.store}")
        return
    try:
        with _progress(quiet) as progress:
            manifest = run_build(paths, progress)
    except KGError as exc:
        _fail(exc)
    err.print(f"built {manifest['quads']} quads in {len(manifest['graphs'])} graphs -> {paths.store}, {paths.dumps}")


@main.command()
@with_paths
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def validate(seeds: Path | None, ontology: Path | None, var: Path | None, quiet: bool) -> None:
    """Check annotations, SHACL shapes and consistency; write nothing. Exit 0 conforms, 1 does not, 2 cannot run."""
    from .build import compile_dataset

    paths = _paths(seeds, ontology, var)
    try:
        with _progress(quiet) as progress:
            compiled = compile_dataset(paths, progress, check=True)
    except KGError as exc:
        _fail(exc)
    total = sum(compiled.counts.values())
    err.print(f"[green]conforms[/green]: {total} triples in {len(compiled.counts)} graphs")


def _open(paths: Paths):  # noqa: ANN202
    from .store import open_store

    try:
        return open_store(paths.store)
    except (FileNotFoundError, OSError) as exc:
        _line(str(exc))
        sys.exit(2)


def _term(term: object) -> str:
    return "" if term is None else getattr(term, "value", str(term))


@main.command()
@with_paths
@click.argument("query", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def query(seeds: Path | None, ontology: Path | None, var: Path | None, query: str | None, query_file, fmt: str) -> None:  # noqa: ANN001
    """Run a SPARQL query against the store (the union of all graphs is the default graph)."""
    import pyoxigraph as ox

    text = query_file.read() if query_file else query
    if not text:
        raise click.UsageError("give a QUERY or --file")
    store = _open(_paths(seeds, ontology, var))
    try:
        result = store.query(text, use_default_graph_as_union=True)
    except SyntaxError as exc:
        from server.query_check import prefix_hint

        hint = prefix_hint(text)
        _line(f"syntax error: {exc}" + (f"\n{hint}" if hint else ""))
        sys.exit(2)
    if isinstance(result, ox.QueryBoolean):
        click.echo(json.dumps({"boolean": bool(result)}) if fmt == "json" else str(bool(result)).lower())
        return
    if isinstance(result, ox.QueryTriples):
        click.echo(ox.serialize(result, format=ox.RdfFormat.TURTLE).decode("utf-8"), nl=False)
        return
    names = [v.value for v in result.variables]
    rows = [[_term(solution[name]) for name in names] for solution in result]
    if fmt == "json":
        click.echo(json.dumps([dict(zip(names, row, strict=True)) for row in rows], ensure_ascii=False, indent=1))
    elif fmt == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(names)
        writer.writerows(rows)
    else:
        table = Table(*names)
        for row in rows:
            table.add_row(*row)
        out.print(table)
        err.print(f"{len(rows)} row(s)")


STATS_QUERIES = {
    "class": "SELECT ?key (COUNT(DISTINCT ?s) AS ?n) { ?s a ?key } GROUP BY ?key ORDER BY DESC(?n) ?key",
    "graph": "SELECT ?key (COUNT(*) AS ?n) { GRAPH ?key { ?s ?p ?o } } GROUP BY ?key ORDER BY ?key",
}


@main.command()
@with_paths
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def stats(seeds: Path | None, ontology: Path | None, var: Path | None, fmt: str) -> None:
    """Counts of instances per class and of triples per named graph."""
    store = _open(_paths(seeds, ontology, var))
    counts = {
        kind: {_term(row["key"]): int(_term(row["n"])) for row in store.query(q, use_default_graph_as_union=True)}
        for kind, q in STATS_QUERIES.items()
    }
    if fmt == "json":
        click.echo(json.dumps(counts, indent=1))
        return
    from .validation import short_name

    for kind, rows in counts.items():
        table = Table(kind, "count", title=f"per {kind}")
        for key, n in rows.items():
            table.add_row(short_name(URIRef(key)), str(n))
        out.print(table)


@main.command()
@with_paths
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--query-timeout", default=30.0, show_default=True, type=float, help="Seconds per SPARQL query.")
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--no-build", is_flag=True, help="Serve the existing store even if the seeds changed.")
def serve(seeds: Path | None, ontology: Path | None, var: Path | None, host: str, port: int,
          query_timeout: float, threads: int, no_build: bool) -> None:
    """Serve the SPARQL endpoint, linked-data pages and dumps; builds first if the seeds changed."""
    from .build import build as run_build
    from .build import needs_build

    paths = _paths(seeds, ontology, var)
    if not no_build and needs_build(paths):
        try:
            with _progress(False) as progress:
                run_build(paths, progress)
        except KGError as exc:
            _fail(exc)
    from server.serve import run

    err.print(f"serving {paths.store} on http://{host}:{port}/")
    run(host=host, port=port, query_timeout=query_timeout, var_dir=str(paths.var), threads=threads,
        SEEDS_DIR=str(paths.seeds), ONTOLOGY_DIR=str(paths.ontology))


if __name__ == "__main__":
    main()


@main.command()
@click.option("--seeds", type=click.Path(file_okay=False, path_type=Path), help="Seeds directory [./seeds].")
@click.argument("document", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--issued", help="Publication date YYYY[-MM[-DD]]: relative dates ('last week') count from it.")
@click.option("--force", is_flag=True, help="Overwrite an existing annotation (and proposed registry) file.")
def draft(seeds: Path | None, document: Path, issued: str | None, force: bool) -> None:
    """Draft seeds/annotations/<doc-id>.yaml (and registry proposals) from an article saved in seeds/documents/."""
    from .draft import draft_document
    from .draft_dates import parse_issued

    try:
        date = parse_issued(issued) if issued else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--issued") from None
    try:
        result = draft_document(document, _paths(seeds, None, None).seeds, date, force)
    except KGError as exc:
        _fail(exc)
    _line(f"wrote {result.annotation}: {result.deals} deal(s), {result.alliances} alliance(s), "
          f"{result.checks} '# check:' comment(s) to review")
    if result.registry:
        _line(f"wrote {result.registry}: {len(result.proposals)} proposed registry entr(y/ies)")
    _line("next: review the draft, then `autoalliance validate` and `autoalliance build`")
