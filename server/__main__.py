"""``python -m server``: the same as ``autoalliance serve --no-build`` (see :mod:`kg.cli`)."""

from __future__ import annotations

import sys

from kg.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", "--no-build", *sys.argv[1:]]))
