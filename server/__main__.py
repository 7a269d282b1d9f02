"""``python -m server --host 127.0.0.1 --port 8080``: serve the app with waitress (see :mod:`server.serve`)."""

from __future__ import annotations

import argparse
import signal
import sys


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve until interrupted or terminated."""
    parser = argparse.ArgumentParser(prog="python -m server", description="Serve the autoalliance web app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--query-timeout", type=float, default=30.0, help="seconds (default 30)")
    parser.add_argument("--var-dir", default=None, help="directory holding store/ and dumps/")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # run the cleanup in serve.run on SIGTERM too

    from .serve import run

    run(args.host, args.port, args.query_timeout, args.var_dir, args.threads)


if __name__ == "__main__":
    main()
