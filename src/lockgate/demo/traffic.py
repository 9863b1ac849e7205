"""Realistic customer traffic: held-out messages of the example data set at a steady rate."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from dataclasses import dataclass, field

import aiohttp

from lockgate.example.dataset import read_examples

MAX_IN_FLIGHT = 64


@dataclass
class TrafficStats:
    """What the traffic generator saw."""

    sent: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    versions: Counter[str] = field(default_factory=Counter)
    fallbacks: Counter[str] = field(default_factory=Counter)
    errors: int = 0

    def summary(self) -> str:
        """One line for the terminal."""
        statuses = ", ".join(f"{code}: {n}" for code, n in sorted(self.statuses.items()))
        versions = ", ".join(f"{name}: {n}" for name, n in sorted(self.versions.items()))
        return (
            f"traffic: {self.sent} requests; status {statuses or '-'}; versions {versions or '-'}; "
            f"transport errors {self.errors}"
        )


_LAUNCH_PRODUCTS = ("Nimbus Halo speaker", "Nimbus Orbit earbuds", "Nimbus Pulse ring")
_LAUNCH_TEMPLATES = (
    "my {p} will not pair over bluetooth with the companion app",
    "does the {p} firmware update fix the spatial audio dropouts",
    "the {p} keeps disconnecting from the mesh after the launch update",
    "how do i enable low latency gaming mode on the {p}",
    "is the {p} compatible with the Nimbus hub and voice wake word",
    "the {p} battery drains overnight since firmware 2.1, any fix",
    "can i preorder the {p} in graphite and get launch day shipping",
    "the {p} touch gestures stopped responding after calibration",
    "what codecs does the {p} support, aptx or lc3",
    "the {p} ambient mode hisses, is that a hardware defect",
)


def launch_messages(seed: int = 13, count: int = 600) -> list[str]:
    """Messages about a newly launched product line: vocabulary the model never saw."""
    rng = random.Random(seed)
    return [
        rng.choice(_LAUNCH_TEMPLATES).format(p=rng.choice(_LAUNCH_PRODUCTS)) for _ in range(count)
    ]


def customer_messages(seed: int = 7, *, shift: bool = False) -> list[str]:
    """Held-out customer messages, shuffled reproducibly; with ``shift``, launch questions."""
    if shift:
        return launch_messages(seed)
    messages = [example.text for example in read_examples() if example.split == "test"]
    random.Random(seed).shuffle(messages)
    return messages


async def send_traffic(
    url: str,
    token: str,
    service: str,
    rate: float,
    stop: asyncio.Event,
    *,
    users: int = 500,
    shift: bool = False,
) -> TrafficStats:
    """Send ``rate`` requests per second until ``stop`` is set; never more than 64 in flight."""
    stats = TrafficStats()
    messages = customer_messages(shift=shift)
    rng = random.Random(11)
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    headers = {"authorization": f"Bearer {token}"}
    interval = 1.0 / rate
    tasks: set[asyncio.Task[None]] = set()
    async with aiohttp.ClientSession(
        headers=headers, timeout=aiohttp.ClientTimeout(total=30)
    ) as session:

        async def one(text: str, user: str) -> None:
            body = {"model": service, "messages": [{"role": "user", "content": text}]}
            try:
                async with session.post(
                    f"{url}/v1/chat/completions", json=body, headers={"x-lockgate-user": user}
                ) as response:
                    await response.read()
                    stats.statuses[response.status] += 1
                    stats.versions[response.headers.get("x-lockgate-version", "-")] += 1
                    fallback = response.headers.get("x-lockgate-fallback")
                    if fallback:
                        stats.fallbacks[fallback] += 1
            except (aiohttp.ClientError, TimeoutError):
                stats.errors += 1
            finally:
                slots.release()

        next_at = time.monotonic()
        while not stop.is_set():
            await slots.acquire()
            text = messages[stats.sent % len(messages)]
            task = asyncio.create_task(one(text, f"user-{rng.randrange(users)}"))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            stats.sent += 1
            next_at += interval
            delay = next_at - time.monotonic()
            if delay > 0:
                try:
                    await asyncio.wait_for(stop.wait(), delay)
                except TimeoutError:
                    continue
            else:
                next_at = time.monotonic()
        if tasks:
            await asyncio.wait(tasks, timeout=10)
    return stats
