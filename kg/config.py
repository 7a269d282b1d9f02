"""Where the build reads from and writes to. One place for every path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Paths:
    """Inputs and outputs of a build.

    ``var`` holds ``store/`` (the Oxigraph store), ``dumps/`` and ``build.json`` (the manifest of the last
    good build: input digest, counts, time).
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
    def store(self) -> Path:
        return self.var / "store"

    @property
    def dumps(self) -> Path:
        return self.var / "dumps"

    @property
    def manifest(self) -> Path:
        return self.var / "build.json"

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
