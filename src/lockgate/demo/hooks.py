"""The demo's stand-in for the on-call pager and the support team's ticket queue.

It accepts the gateway's webhook posts (alerts at ``/alerts``, hand-offs at ``/handoff``) and
appends each to ``notifications.jsonl`` in the demo folder, so a person can watch them arrive:
``tail -f .lockgate-demo/notifications.jsonl``.

Run: ``python -m lockgate.demo.hooks --port 8790 --out .lockgate-demo/notifications.jsonl``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


def create_app(out: Path) -> Starlette:
    """A receiver appending every JSON post, with its channel and time, to ``out``."""

    async def receive(request: Request) -> JSONResponse:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            return JSONResponse({"error": "send JSON"}, status_code=400)
        entry = {
            "received_at": dt.datetime.now(dt.UTC).isoformat(),
            "channel": request.url.path.strip("/"),
            "signature": request.headers.get("x-lockgate-signature"),
            "body": body,
        }
        with out.open("a", encoding="utf-8") as file:
            file.write(json.dumps(entry) + "\n")
        return JSONResponse({"ok": True})

    return Starlette(
        routes=[
            Route("/alerts", receive, methods=["POST"]),
            Route("/handoff", receive, methods=["POST"]),
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Serve the receiver until interrupted."""
    import uvicorn

    parser = argparse.ArgumentParser(prog="python -m lockgate.demo.hooks")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(args.out), host=args.host, port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
