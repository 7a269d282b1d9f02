"""The error hierarchy of the build: one small family, so callers catch ``KGError`` and print one line each."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # records does not import errors; this only names the type
    from .records import Corpus


class KGError(Exception):
    """Base class of every error the build raises on purpose."""


class AnnotationError(KGError):
    """One problem in an annotation or registry file, located as ``path:line:col``.

    ``line`` and ``col`` are 1-based, as editors show them. ``count`` is how many problems the line stands for:
    1, or more for a line that says how many further problems of a file were left out.
    """

    count: int = 1

    def __init__(self, path: str | Path, line: int, col: int, message: str, count: int = 1) -> None:
        self.path = str(path)
        self.count = count
        self.line = line
        self.col = col
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"

    def to_json(self) -> list[str | int]:
        """The problem as a JSON list, for the build's caches; ``AnnotationError(*value)`` reads it back."""
        return [self.path, self.line, self.col, self.message, self.count]


class AnnotationErrors(KGError):
    """Every problem found in the input at once; ``errors`` keeps them in file and line order.

    ``corpus`` holds what could be read despite the problems (or None), so later checks can still run.
    """

    corpus: Corpus | None = None

    def __init__(self, errors: Iterable[AnnotationError]) -> None:
        self.errors: list[AnnotationError] = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)

    @property
    def total(self) -> int:
        """How many problems were found, those a line only counts (``... and N more``) included."""
        return sum(e.count for e in self.errors)

    def lines(self, limit: int = 200) -> list[str]:
        """One line per problem, at most ``limit`` of them, then "... and N more problem(s)"."""
        shown = [str(e) for e in self.errors[:limit]]
        if len(self.errors) > limit:
            shown.append(f"... and {sum(e.count for e in self.errors[limit:])} more problem(s)")
        return shown


class ValidationFailed(KGError):
    """The dataset does not conform to the SHACL shapes, or the shapes could not be run.

    ``lines`` holds one readable line per finding (empty when the run itself broke).
    """

    def __init__(self, message: str, lines: Iterable[str] = ()) -> None:
        self.message = message
        self.lines: list[str] = list(lines)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join([self.message, *self.lines])


class ReasoningError(KGError):
    """The reasoner found the ontology and data inconsistent, or could not run."""


def display(path: Path, root: Path) -> str:
    """``path`` as messages show it: relative to ``root`` when it is under it."""
    text, prefix = str(path), os.path.join(root, "")
    return text[len(prefix) :] if text.startswith(prefix) else text
