"""The ``autoalliance`` command: a thin layer over :mod:`kg.build`; ``serve`` comes from :mod:`server.cli`.

Exit codes: 0 success (or data conforms), 1 the data do not conform (a SHACL violation, or HermiT finds them
inconsistent), 2 the command could not run (bad annotations, bad arguments, no store, a missing or broken shapes
file, no Java for HermiT, another build running).
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
from rdflib import URIRef
from rich.console import Console
from rich.table import Table

from .config import Paths
from .errors import AnnotationErrors, KGError, ReasoningError, ValidationFailed
from .publish import METHODS
from .reasoning import ReasonerCouldNotRun
from .remote_store import KINDS, PASSWORD_ENV, USER_ENV
from .validation import ShapesCouldNotRun

err = Console(stderr=True, emoji=False)  # ":email:" in a path must not become an emoji
out = Console(emoji=False)

path_options = [
    click.option("--seeds", type=click.Path(file_okay=False, path_type=Path), help="Seeds directory [./seeds]."),
    click.option("--ontology", type=click.Path(file_okay=False, path_type=Path), help="Ontology directory."),
    click.option(
        "--var",
        type=click.Path(file_okay=False, path_type=Path),
        help="Output directory for store/, dumps/ and build.json [./var]; env AUTOALLIANCE_VAR.",
    ),
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


def _report(exc: KGError) -> int:
    """Print one line per problem; returns the documented exit code."""
    if isinstance(exc, AnnotationErrors):
        for text in exc.lines():  # capped: a broken file must not print half a million lines
            _line(text)
        err.print(f"[red]{exc.total} problem(s) in the annotations; nothing written[/red]")
        return 2
    if isinstance(exc, (ShapesCouldNotRun, ReasonerCouldNotRun)):
        _line(f"could not run: {exc}")
        return 2
    if isinstance(exc, ValidationFailed):
        for line in exc.lines:
            _line(line)
        err.print(f"[red]{exc.message}; nothing written[/red]")
        return 1
    if isinstance(exc, ReasoningError):
        _line(f"inconsistent: {exc}")
        return 1
    _line(str(exc))
    return 2


def _fail(exc: KGError) -> None:
    """Print one line per problem and exit with the documented code."""
    sys.exit(_report(exc))


store_kind_option = click.option(
    "--store-kind",
    type=click.Choice(KINDS),
    default="virtuoso",
    show_default=True,
    help="Which kind of store, for its endpoints and authentication.",
)


class _Commands(click.Group):
    """The build's commands plus those other packages register in the entry-point group
    ``autoalliance.commands`` (``serve`` comes from the server package this way: the build never imports the
    server). Registered commands are loaded when asked for, not at import, so a command module may import this
    one."""

    def _registered(self) -> dict[str, Any]:
        from importlib.metadata import entry_points

        return {e.name: e for e in entry_points(group="autoalliance.commands") if e.name not in self.commands}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*self.commands, *self._registered()])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and (entry := self._registered().get(cmd_name)) is not None:
            command = entry.load()
        return command


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
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
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
def validate(seeds: Path | None, ontology: Path | None, var: Path | None, quiet: bool, file: Path | None) -> None:
    """Check annotations, SHACL shapes and consistency; write nothing. Exit 0 conforms, 1 does not, 2 cannot run.

    With FILE (an annotation file), check that file alone against its document, the registry and the last build,
    in about a second; its seeds directory is the one FILE is in unless --seeds says otherwise.
    """
    from .build import compile_dataset

    if file is not None:
        _validate_file(file, seeds, ontology, var)
        return
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
    from .iris import QUERY_PREFIXES

    store = _open(_paths(seeds, ontology, var))
    try:
        result = store.query(text, use_default_graph_as_union=True, prefixes=QUERY_PREFIXES)
    except SyntaxError as exc:
        from .query_text import prefix_hint

        hint = prefix_hint(text)  # one short line instead of the parser's list of expected tokens
        _line(hint if hint else f"syntax error: {exc}")
        sys.exit(2)
    if isinstance(result, ox.QueryBoolean):
        click.echo(json.dumps({"boolean": bool(result)}) if fmt == "json" else str(bool(result)).lower())
        return
    if isinstance(result, ox.QueryTriples):
        click.echo((ox.serialize(result, format=ox.RdfFormat.TURTLE) or b"").decode("utf-8"), nl=False)
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


@main.group()
def export() -> None:
    """The build's exports for analysts (CSV tables, the partnership network)."""


@export.command("network")
@with_paths
@click.option("--year", type=click.IntRange(1000, 9999), help="Only the partnerships in force during this year.")
@click.option("--format", "fmt", type=click.Choice(["graphml", "gexf", "json"]), default="graphml", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not stdout.")
def export_network(
    seeds: Path | None, ontology: Path | None, var: Path | None, year: int | None, fmt: str, output: Path | None
) -> None:
    """The partnership network of the current build, optionally as of one year."""
    from .exports import SERIALIZERS, network_as_of, read_network

    path = _paths(seeds, ontology, var).exports / "network.json"
    if not path.is_file():
        _line(f"{path}: no exported network here; run `autoalliance build` first")
        sys.exit(2)
    network = read_network(path)
    text = SERIALIZERS[fmt](network_as_of(network, year) if year else network)
    if output:
        output.write_text(text, encoding="utf-8")
    else:
        click.echo(text, nl=False)


@main.command()
@with_paths
@click.option(
    "--to",
    "url",
    required=True,
    metavar="URL",
    help="The store: the server for oxigraph/virtuoso, the dataset for fuseki, the repository for graphdb, "
    "the SPARQL endpoint for generic.",
)
@store_kind_option
@click.option("--user", envvar=USER_ENV, show_envvar=True, help="Account allowed to write.")
@click.option("--password", envvar=PASSWORD_ENV, show_envvar=True, help="Its password (better from the environment).")
@click.option(
    "--method",
    type=click.Choice(METHODS),
    default="auto",
    show_default=True,
    help="gsp: Graph Store HTTP Protocol; update: SPARQL Update only; auto: gsp when the store has it.",
)
@click.option("--query-endpoint", metavar="URL", help="Override the query endpoint.")
@click.option("--update-endpoint", metavar="URL", help="Override the update endpoint.")
@click.option("--graph-store", metavar="URL", help="Override the Graph Store endpoint ('' for none).")
@click.option("--all", "force_all", is_flag=True, help="Send every graph, changed or not.")
@click.option("--timeout", default=300.0, show_default=True, type=float, help="Seconds per HTTP request.")
@click.option("-q", "--quiet", is_flag=True, help="No progress output.")
def publish(
    seeds: Path | None,
    ontology: Path | None,
    var: Path | None,
    url: str,
    store_kind: str,
    user: str | None,
    password: str | None,
    method: str,
    query_endpoint: str | None,
    update_endpoint: str | None,
    graph_store: str | None,
    force_all: bool,
    timeout: float,
    quiet: bool,
) -> None:
    """Load the graphs of the current build into a SPARQL 1.1 store, replacing those that changed.

    Exit 0 when every graph sent has the right number of triples on the store, 1 when one has not, 2 when the
    store cannot be reached or refuses.
    """
    from .publish import publish as run_publish
    from .remote_store import RemoteStore, endpoints_for, split_credentials

    paths = _paths(seeds, ontology, var)
    url, url_user, url_password = split_credentials(url)
    try:
        endpoints = endpoints_for(store_kind, url, query_endpoint, update_endpoint, graph_store)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    target = RemoteStore(endpoints, user or url_user, password or url_password, timeout=timeout)
    try:
        with _progress(quiet) as progress:
            report = run_publish(paths, target, method=method, force_all=force_all, progress=progress)
    except FileNotFoundError as exc:
        _line(str(exc))
        sys.exit(2)
    except KGError as exc:
        _fail(exc)
    finally:
        target.close()
    rate = report.triples_sent / report.seconds if report.seconds else 0.0
    err.print(
        f"{len(report.sent)} graph(s) sent ({report.triples_sent} triples, {rate:,.0f} triples/s, "
        f"{report.method}), {report.unchanged} unchanged, {len(report.removed)} removed -> {endpoints.query}"
    )
    if not report.ok:
        for iri, (expected, found) in sorted(report.mismatches.items()):
            _line(f"count mismatch: {iri}: {expected} triples in the build, {found} on the store")
        err.print(f"[red]{len(report.mismatches)} graph(s) differ on the store; publish again to resend them[/red]")
        sys.exit(1)


def _validate_file(file: Path, seeds: Path | None, ontology: Path | None, var: Path | None) -> None:
    from .file_check import check_file

    if seeds is None and file.resolve().parent.name == "annotations":
        seeds = file.resolve().parent.parent
    try:
        report = check_file(file, _paths(seeds, ontology, var))
    except KGError as exc:
        _fail(exc)
    _line(
        f"conforms: {file} ({report.triples} triples; the rest of the corpus from the "
        f"{'last build' if report.corpus_source == 'store' else 'annotation files (no build yet)'})"
    )


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
    _line(
        f"wrote {result.annotation}: {result.deals} deal(s), {result.alliances} alliance(s), "
        f"{result.checks} '# check:' comment(s) to review"
    )
    if result.registry:
        _line(f"wrote {result.registry}: {len(result.proposals)} proposed registry entr(y/ies)")
    _line("next: review the draft, then `autoalliance validate` and `autoalliance build`")


if __name__ == "__main__":
    main()
