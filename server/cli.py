"""``autoalliance serve``: the server's command, registered in the ``autoalliance.commands`` entry-point group
(pyproject.toml), so that :mod:`kg.cli` offers it without importing the server."""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click

from kg.cli import _fail, _paths, _progress, _report, err, store_kind_option, with_paths
from kg.errors import KGError

from . import DEFAULT_PORT


@click.command()
@with_paths
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int)
@click.option(
    "--query-timeout",
    default=30.0,
    show_default=True,
    type=float,
    help="Seconds per SPARQL request, from arrival to the last byte.",
)
@click.option(
    "--threads",
    default=32,
    show_default=True,
    type=int,
    help="Request threads per web process (more than concurrent page loads, so /sparql never waits for a free "
    "one; page rendering itself is bounded by PAGE_CONCURRENCY).",
)
@click.option(
    "--processes",
    default=2,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Web processes, each with its own query workers and answer cache (one per core is a good start).",
)
@click.option("--no-build", is_flag=True, help="Serve the existing build even if the seeds changed.")
@click.option(
    "--store",
    "store_url",
    metavar="URL",
    help="Answer /sparql from this external SPARQL store (see `publish --to`) instead of the build's.",
)
@store_kind_option
def serve(
    seeds: Path | None,
    ontology: Path | None,
    var: Path | None,
    host: str,
    port: int,
    query_timeout: float,
    threads: int,
    processes: int,
    no_build: bool,
    store_url: str | None,
    store_kind: str,
) -> None:
    """Serve the SPARQL endpoint, linked-data pages and dumps; builds first if the seeds changed."""
    from kg.build import build as run_build
    from kg.build import needs_build
    from kg.store import store_opens

    paths = _paths(seeds, ontology, var)
    if not no_build and needs_build(paths):
        try:
            with _progress(False) as progress:
                run_build(paths, progress)
        except KGError as exc:
            if not store_opens(paths.store):
                _fail(exc)  # no good build to fall back on
            _report(exc)
            err.print("[yellow]the build failed; serving the last good build[/yellow]")
    from .serve import run  # the one way to serve; `python -m server` comes here too

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # stop the query workers on SIGTERM too
    settings: dict[str, object] = {}
    if store_url:
        from kg.remote_store import endpoints_for, split_credentials

        store_url = split_credentials(store_url)[0]  # it only reads: credentials are not kept
        try:
            endpoints_for(store_kind, store_url)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None
        settings = {"SPARQL_STORE": store_url, "SPARQL_STORE_KIND": store_kind}
    err.print(f"serving {store_url or paths.store} on http://{host}:{port}/")
    run(
        host=host,
        port=port,
        threads=threads,
        processes=processes,
        QUERY_TIMEOUT=query_timeout,
        VAR_DIR=str(paths.var),
        **settings,
    )
