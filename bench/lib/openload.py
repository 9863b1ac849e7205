"""An open-loop HTTP load generator on aiohttp that records every request.

Request ``i`` is due at ``start_at + i / rate`` (``time.monotonic()``, a clock every process on
the machine shares), whatever happened to earlier requests: a slow server does not slow the
arrivals down, so an outage shows up in full. Latency is measured from the due time, so a request
that the client itself sent late is charged for its wait too (no coordinated omission).

Runs in its own process; reads one JSON spec as its first argument and writes the result to the
file named by its second::

    python bench/lib/openload.py '{"url": ..., "body": ..., "headers": {...}, "rate": 200,
                                   "duration_s": 40, "start_at": 12345.6, "timeout_s": 10,
                                   "max_in_flight": 2000}' result.json

Result: ``{"columns": [...], "rows": [[due, send_lag_s, latency_s, status, fallback, version,
error], ...]}`` with ``status`` 0 and ``error`` set when no HTTP answer arrived within
``timeout_s``. Self-contained so that it can be started by path.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

COLUMNS = ("due", "send_lag_s", "latency_s", "status", "fallback", "version", "error")
Row = tuple[float, float, float, int, str | None, str | None, str | None]


@dataclass(frozen=True, slots=True)
class Spec:
    """What to send, how often, for how long, from when, and how long to wait for each answer."""

    url: str
    body: bytes
    headers: dict[str, str]
    rate: float
    duration_s: float
    start_at: float
    timeout_s: float
    max_in_flight: int

    @classmethod
    def parse(cls, raw: Any) -> Spec:
        """Build a spec from decoded JSON."""
        return cls(
            url=str(raw["url"]),
            body=str(raw["body"]).encode(),
            headers={str(k): str(v) for k, v in raw["headers"].items()},
            rate=float(raw["rate"]),
            duration_s=float(raw["duration_s"]),
            start_at=float(raw["start_at"]),
            timeout_s=float(raw["timeout_s"]),
            max_in_flight=int(raw["max_in_flight"]),
        )

    @property
    def requests(self) -> int:
        """How many requests the run sends."""
        return int(self.rate * self.duration_s)


async def _one(session: aiohttp.ClientSession, spec: Spec, due: float) -> Row:
    sent = time.monotonic()
    try:
        async with session.post(spec.url, data=spec.body, headers=spec.headers) as response:
            await response.read()
            done = time.monotonic()
            return (
                due,
                sent - due,
                done - due,
                response.status,
                response.headers.get("x-lockgate-fallback"),
                response.headers.get("x-lockgate-version"),
                None,
            )
    except (aiohttp.ClientError, TimeoutError) as exc:
        return (due, sent - due, time.monotonic() - due, 0, None, None, type(exc).__name__)


async def run(spec: Spec) -> list[Row]:
    """Send every request at its due time; return one row per request, in due order."""
    connector = aiohttp.TCPConnector(limit=spec.max_in_flight)
    timeout = aiohttp.ClientTimeout(total=spec.timeout_s)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        tasks: list[asyncio.Task[Row]] = []
        for i in range(spec.requests):
            due = spec.start_at + i / spec.rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(_one(session, spec, due)))
        return list(await asyncio.gather(*tasks))


def main() -> None:
    """Read the spec from argv, run, write the JSON result to the file named in argv."""
    spec = Spec.parse(json.loads(sys.argv[1]))
    rows = uvloop.run(run(spec))
    payload = {"columns": COLUMNS, "rows": rows}
    Path(sys.argv[2]).write_text(json.dumps(payload, separators=(",", ":")))


if __name__ == "__main__":
    main()
