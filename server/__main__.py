"""``python -m server``: the same as ``autoalliance serve --no-build`` (:mod:`server.cli`, offered by :mod:`kg.cli`)."""

from __future__ import annotations

import sys

from kg.cli import main

if __name__ == "__main__":
    sys.exit(main(["serve", "--no-build", *sys.argv[1:]]))
