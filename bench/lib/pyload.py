"""A closed-loop HTTP load generator on aiohttp, used when ``wrk`` is not installed.

Runs in its own process so that it never shares an event loop (or a core's scheduling slot) with
the server under test. It reads one JSON spec as its argument and prints one JSON line::

    python bench/lib/pyload.py '{"url": ..., "body": ..., "headers": {...}, "concurrency": 64,
                                 "requests": 10000, "time_cap_s": 15}'

Output: ``{"latencies_us": [...], "errors": N, "duration_s": S}``. Only 2xx answers are counted
as latencies; every other answer or failure counts as an error. Self-contained so that it can be
started by path.
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


@dataclass(frozen=True, slots=True)
class Spec:
    """What to send, how many at once, how many in all and for how long at most."""

    url: str
    body: bytes
    headers: dict[str, str]
    concurrency: int
    requests: int
    time_cap_s: float

    @classmethod
    def parse(cls, raw: Any) -> Spec:
        """Build a spec from decoded JSON."""
        return cls(
            url=str(raw["url"]),
            body=str(raw["body"]).encode(),
            headers={str(k): str(v) for k, v in raw["headers"].items()},
            concurrency=int(raw["concurrency"]),
            requests=int(raw["requests"]),
            time_cap_s=float(raw["time_cap_s"]),
        )


async def run(spec: Spec) -> dict[str, object]:
    """Send ``spec.requests`` requests with ``spec.concurrency`` workers, within the time cap."""
    latencies: list[int] = []
    errors = 0
    started = 0
    connector = aiohttp.TCPConnector(limit=spec.concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        t_start = time.perf_counter()
        deadline = t_start + spec.time_cap_s

        async def worker() -> None:
            nonlocal errors, started
            while started < spec.requests and time.perf_counter() < deadline:
                started += 1
                t0 = time.perf_counter_ns()
                try:
                    async with session.post(
                        spec.url, data=spec.body, headers=spec.headers
                    ) as response:
                        await response.read()
                        ok = 200 <= response.status < 300
                except (aiohttp.ClientError, TimeoutError):
                    ok = False
                if ok:
                    latencies.append((time.perf_counter_ns() - t0) // 1000)
                else:
                    errors += 1

        await asyncio.gather(*(worker() for _ in range(spec.concurrency)))
        duration = time.perf_counter() - t_start
    return {"latencies_us": latencies, "errors": errors, "duration_s": duration}


def main() -> None:
    """Read the spec from argv, run, write the JSON result to the file named in argv."""
    result = uvloop.run(run(Spec.parse(json.loads(sys.argv[1]))))
    Path(sys.argv[2]).write_text(json.dumps(result, separators=(",", ":")))


if __name__ == "__main__":
    main()
