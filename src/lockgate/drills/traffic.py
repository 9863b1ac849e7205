"""Bounded drill traffic: a steady rate of customer messages, never too many in flight.

Each tick sends one request when fewer than ``max_in_flight`` are waiting, and counts a skipped
tick otherwise, so a slow gateway is never flooded. The driver stops when told to; the runner
bounds how long that takes, so the total is at most rate x duration.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from lockgate.drills.model import Sample, TrafficSummary

Send = Callable[[str, str], Awaitable[Sample]]
"""``(text, user) -> Sample``."""


class Traffic:
    """Sends at ``rate`` per second and keeps every answer as a ``Sample``."""

    def __init__(
        self,
        send: Send,
        *,
        rate: float,
        max_in_flight: int,
        clock: Callable[[], float],
        messages: Sequence[str],
        user_prefix: str = "drill",
    ) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self._send = send
        self._interval = 1.0 / rate
        self._max = max_in_flight
        self._clock = clock
        self._messages = tuple(messages)
        self._users = user_prefix
        self._in_flight: dict[int, float] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.samples: list[Sample] = []
        self.skipped = 0
        self._statuses: Counter[int] = Counter()
        self._versions: Counter[str] = Counter()
        self._fallbacks: Counter[str] = Counter()
        self._errors: Counter[str] = Counter()

    def summary(self) -> TrafficSummary:
        """Counts of every answer so far (kept as answers arrive: cheap to ask often)."""
        return TrafficSummary(
            len(self.samples),
            dict(self._statuses),
            dict(self._versions),
            dict(self._fallbacks),
            dict(self._errors),
            self.skipped,
        )

    def _keep(self, sample: Sample) -> None:
        self.samples.append(sample)
        self._statuses[sample.status] += 1
        if sample.version:
            self._versions[sample.version] += 1
        if sample.fallback:
            self._fallbacks[sample.fallback] += 1
        if sample.error:
            self._errors[sample.error] += 1

    def use(self, messages: Sequence[str]) -> None:
        """Send these messages from now on."""
        self._messages = tuple(messages)

    def horizon(self) -> float:
        """Answers sent before this moment are all in: the oldest request still in flight."""
        return min(self._in_flight.values(), default=self._clock())

    async def _one(self, number: int, text: str) -> None:
        try:
            self._keep(await self._send(text, f"{self._users}-{number % 997}"))
        finally:
            del self._in_flight[number]

    async def run(self, stop: asyncio.Event) -> None:
        """Send until ``stop`` is set, then wait for the answers still in flight."""
        started = self._clock()
        for number in itertools.count():
            if stop.is_set():
                break
            if len(self._in_flight) < self._max:
                text = self._messages[number % len(self._messages)]
                self._in_flight[number] = self._clock()
                task = asyncio.create_task(self._one(number, text))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            else:
                self.skipped += 1
            delay = started + (number + 1) * self._interval - self._clock()
            if delay > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
