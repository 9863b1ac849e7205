"""Helpers for the alert tests: a recording HTTP receiver, request-log rows, manifests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lockgate.manifest import LoadedManifest, load
from lockgate.store.db import Store
from lockgate.store.tables import RequestLogEntry
from tests.support.gateway import manifest_dict, write_manifest

NOW = dt.datetime(2026, 12, 5, 12, 0, tzinfo=dt.UTC)
PII_EMAIL = "jane.doe@example.com"
PII_CARD = "4111 1111 1111 1111"


@dataclass
class Received:
    """One request a receiver got."""

    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A loopback HTTP endpoint that records every POST and answers with scripted statuses."""

    received: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def app(self) -> Starlette:
        async def endpoint(request: Request) -> JSONResponse:
            body = await request.body()
            headers = {k.lower(): v for k, v in request.headers.items()}
            self.received.append(Received(request.url.path, headers, body))
            status = self.statuses.pop(0) if self.statuses else 202
            return JSONResponse({"status": "ok"}, status_code=status)

        return Starlette(routes=[Route("/{path:path}", endpoint, methods=["POST"])])


def request_rows(
    n: int,
    *,
    at: dt.datetime,
    service: str = "support-assistant",
    version: str | None = "v1",
    status: int = 200,
    latency_ms: float = 100.0,
    fallback: str | None = None,
    tokens: tuple[int, int] | None = (10, 5),
) -> list[dict[str, Any]]:
    """``n`` request-log rows with the same fields."""
    prompt, completion = tokens if tokens else (None, None)
    return [
        {
            "request_id": f"r{at.timestamp():.0f}{i}{version}{status}",
            "at": at,
            "key_id": None,
            "service": service,
            "version": version,
            "route": "chat",
            "status": status,
            "error_code": None,
            "stream": False,
            "latency_ms": latency_ms,
            "upstream_ms": None,
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "fallback": fallback,
        }
        for i in range(n)
    ]


def insert(store: Store, rows: Iterable[dict[str, Any]]) -> None:
    """Write request-log rows in one transaction."""
    batch = list(rows)
    if batch:
        with store.transaction() as session:
            session.execute(RequestLogEntry.__table__.insert(), batch)


def loaded(folder: Path, **sections: Any) -> LoadedManifest:
    """A manifest with versions v1 (stable) and v2 plus ``sections``, written and loaded."""
    data = manifest_dict({"v1": "http://127.0.0.1:9", "v2": "http://127.0.0.1:9"})
    data.update(sections)
    return load(write_manifest(folder, data))
