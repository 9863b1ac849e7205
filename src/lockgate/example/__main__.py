"""Run the example service: ``python -m lockgate.example --version v1 --port 8801``."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from lockgate.example.model import VERSIONS


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options of the example service."""
    parser = argparse.ArgumentParser(
        prog="python -m lockgate.example", description="Serve the example support assistant."
    )
    parser.add_argument("--version", choices=VERSIONS, default="v1", help="model release")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8801, help="TCP port")
    parser.add_argument("--seed", type=int, default=None, help="seed for injected faults")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> None:
    """Train the requested version and serve it with uvicorn until interrupted."""
    import uvicorn

    from lockgate.example.server import create_app

    args = parse_args(argv)
    app = create_app(args.version, seed=args.seed)
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
