"""Kill-switch propagation: flip ``<service>.enabled`` through one replica, watch every replica.

One poller per replica sends a chat completion every ``poll_interval_s`` and notes whether the
answer carried ``x-lockgate-fallback`` (the switch is off: the fallback chain answered). Each flip
is a ``PUT /admin/v1/flags/<flag>`` to one replica, rotating; its clock starts just before the
call is sent, so the write itself is part of every figure. A replica has taken the flip at the
first answer received after that moment that shows the new state. The next flip waits until
every replica has taken this one and ``settle_s`` more has passed; when a replica has not taken
a flip within ``timeout_s`` the run stops there.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import aiohttp

from lib.targets import CHAT_BODY, CHAT_PATH


@dataclass(frozen=True, slots=True)
class Replica:
    """One gateway process on loopback."""

    name: str
    port: int

    def url(self, path: str) -> str:
        """``path`` on this replica."""
        return f"http://127.0.0.1:{self.port}{path}"


@dataclass(frozen=True, slots=True)
class Observation:
    """One poll: when it was sent and answered, and whether the switch was off (None: failed)."""

    sent: float
    received: float
    off: bool | None


@dataclass(frozen=True, slots=True)
class Flip:
    """One change of the switch and when each replica's answers showed it."""

    index: int
    enabled: bool
    writer: str
    started: float
    write_s: float
    seen_s: dict[str, float | None]
    flaps: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "index": self.index,
            "enabled": self.enabled,
            "writer": self.writer,
            "write_ms": round(self.write_s * 1000, 1),
            "seen_ms": {
                k: None if v is None else round(v * 1000, 1) for k, v in self.seen_s.items()
            },
            "flaps": self.flaps,
        }


@dataclass(frozen=True, slots=True)
class Plan:
    """How many flips, how often each replica is polled, and the waits around each flip."""

    flips: int
    poll_interval_s: float = 0.010
    settle_s: float = 0.2
    timeout_s: float = 5.0


async def _poll(
    session: aiohttp.ClientSession,
    replica: Replica,
    headers: Mapping[str, str],
    interval_s: float,
    out: list[Observation],
) -> None:
    """Poll until cancelled, one request every ``interval_s`` (or as soon as the last answers)."""
    url = replica.url(CHAT_PATH)
    while True:
        sent = time.monotonic()
        off: bool | None
        try:
            async with session.post(url, data=CHAT_BODY, headers=headers) as response:
                await response.read()
                ok = response.status == 200
                off = "x-lockgate-fallback" in response.headers if ok else None
        except (aiohttp.ClientError, TimeoutError):
            off = None
        out.append(Observation(sent, time.monotonic(), off))
        await asyncio.sleep(max(0.0, sent + interval_s - time.monotonic()))


def first_seen(observations: Sequence[Observation], since: float, off: bool) -> float | None:
    """When the first answer received after ``since`` showed the switch ``off`` (or on)."""
    for o in observations:
        if o.received >= since and o.off is off:
            return o.received
    return None


def flaps_after(observations: Sequence[Observation], seen: float, until: float, off: bool) -> int:
    """Answers received in ``(seen, until)`` that showed the old state again."""
    return sum(1 for o in observations if seen < o.received < until and o.off is (not off))


async def _wait_all_seen(
    observed: Mapping[str, list[Observation]], since: float, off: bool, timeout_s: float
) -> bool:
    """True once every replica has answered in the new state; False after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if all(first_seen(obs, since, off) is not None for obs in observed.values()):
            return True
        await asyncio.sleep(0.005)
    return False


async def run_flips(
    replicas: Sequence[Replica],
    *,
    flag: str,
    invoke_headers: Mapping[str, str],
    admin_headers: Mapping[str, str],
    plan: Plan,
) -> list[Flip]:
    """Flip ``flag`` ``plan.flips`` times (off first), each through the next replica in turn."""
    observed: dict[str, list[Observation]] = {r.name: [] for r in replicas}
    poll_headers = {"Content-Type": "application/json", **invoke_headers}
    timeout = aiohttp.ClientTimeout(total=plan.timeout_s)
    raw: list[tuple[int, bool, str, float, float]] = []
    async with aiohttp.ClientSession(timeout=timeout) as session:
        pollers = [
            asyncio.create_task(
                _poll(session, r, poll_headers, plan.poll_interval_s, observed[r.name])
            )
            for r in replicas
        ]
        try:
            await asyncio.sleep(0.3)  # every poller has answered at least once
            for index in range(plan.flips):
                enabled = index % 2 == 1
                writer = replicas[index % len(replicas)]
                started = time.monotonic()
                async with session.put(
                    writer.url(f"/admin/v1/flags/{flag}"),
                    json={"value": enabled, "reason": "bench: kill-switch propagation"},
                    headers=dict(admin_headers),
                ) as response:
                    body = await response.text()
                    if response.status != 200:
                        raise RuntimeError(f"setting {flag} failed: {response.status} {body}")
                write_s = time.monotonic() - started
                raw.append((index, enabled, writer.name, started, write_s))
                if not await _wait_all_seen(observed, started, not enabled, plan.timeout_s):
                    break  # a replica never took the flip: later flips would measure nothing
                await asyncio.sleep(plan.settle_s)
        finally:
            for task in pollers:
                task.cancel()
            for task in pollers:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
    return _flips(raw, observed)


def _flips(
    raw: Sequence[tuple[int, bool, str, float, float]], observed: Mapping[str, list[Observation]]
) -> list[Flip]:
    flips = []
    ends = [r[3] for r in raw[1:]] + [float("inf")]
    for (index, enabled, writer, started, write_s), until in zip(raw, ends, strict=True):
        off = not enabled
        seen: dict[str, float | None] = {}
        flaps: dict[str, int] = {}
        for name, obs in observed.items():
            at = first_seen(obs, started, off)
            seen[name] = None if at is None else at - started
            flaps[name] = 0 if at is None else flaps_after(obs, at, until, off)
        flips.append(Flip(index, enabled, writer, started, write_s, seen, flaps))
    return flips
