"""Example queries for the home page and the query UI: the ``*.rq`` files of ``EXAMPLE_QUERIES_DIR``.

Each file's first line is a comment with its title (``# Which firms ...?``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ExampleQuery:
    """A titled SPARQL query read from ``name``.rq."""

    name: str
    title: str
    query: str


def load_examples(directory: Path) -> list[ExampleQuery]:
    """The example queries in ``directory`` sorted by file name; ``[]`` when there is none."""
    if not directory.is_dir():
        return []
    examples = []
    for path in sorted(directory.glob("*.rq")):
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        title = first.lstrip("#").strip() if first.startswith("#") else path.stem.replace("-", " ")
        examples.append(ExampleQuery(path.stem, title or path.stem, text))
    return examples
