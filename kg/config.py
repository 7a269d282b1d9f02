"""Where the build reads from and writes to. One place for every path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """Inputs and outputs of a build.

    ``var`` holds one directory per build, ``builds/<build-id>/`` (``store``, ``dumps``, ``site``, ``exports``,
    ``texts``, ``ontology``, ``build.json``), and ``current``, a symbolic link to the last good one, replaced in
    one atomic step when a build completes. ``store``, ``dumps``, ``manifest``, ``site``, ``exports``, ``texts``
    and ``published_ontology`` are the outputs of the current build (read through ``current``: all the server
    reads); ``cache`` holds the per-document results that later builds reuse, ``lock`` the file locked while a
    build runs, ``releases`` the published releases.
    """

    seeds: Path = PROJECT_ROOT / "seeds"
    ontology: Path = PROJECT_ROOT / "ontology"
    var: Path = PROJECT_ROOT / "var"

    @property
    def documents(self) -> Path:
        return self.seeds / "documents"

    @property
    def annotations(self) -> Path:
        return self.seeds / "annotations"

    @property
    def registry(self) -> Path:
        return self.seeds / "registry"

    @property
    def current(self) -> Path:
        """The link to the directory of the last good build."""
        return self.var / "current"

    @property
    def builds(self) -> Path:
        """One directory per build, named by its build id."""
        return self.var / "builds"

    @property
    def store(self) -> Path:
        return self.current / "store"

    @property
    def dumps(self) -> Path:
        return self.current / "dumps"

    @property
    def manifest(self) -> Path:
        return self.current / "build.json"

    @property
    def site(self) -> Path:
        """What pages show about the whole graph, computed once per build."""
        return self.current / "site"

    @property
    def exports(self) -> Path:
        return self.current / "exports"

    @property
    def published_ontology(self) -> Path:
        """The ontology files the current build was made from (what ``/ontology`` serves)."""
        return self.current / "ontology"

    @property
    def texts(self) -> Path:
        """The article texts of the current build, ``<doc id>.txt`` (what document pages show)."""
        return self.current / "texts"

    @property
    def cache(self) -> Path:
        """Per-document results keyed by the digest of what they depend on; shared by every build."""
        return self.var / "cache"

    @property
    def lock(self) -> Path:
        return self.var / "build.lock"

    @property
    def releases(self) -> Path:
        return self.var / "releases"

    @classmethod
    def from_env(cls, **overrides: str | Path | None) -> Paths:
        """Defaults, then ``AUTOALLIANCE_SEEDS``/``_ONTOLOGY``/``_VAR`` from the environment, then overrides."""
        values: dict[str, Path] = {}
        for name in ("seeds", "ontology", "var"):
            env = os.environ.get(f"AUTOALLIANCE_{name.upper()}")
            if env:
                values[name] = Path(env)
            if overrides.get(name) is not None:
                values[name] = Path(overrides[name])  # type: ignore[arg-type]
        return cls(**values)
