"""Circuit breakers per upstream version, and the retry budget.

A breaker counts outcomes in a rolling window of ten buckets. It opens when, with at least
``min_requests`` outcomes in the window, the failure share reaches ``failure_rate``; stays open for
``open_for`` seconds; then lets ``half_open_probes`` requests through. A successful probe closes it,
a failed one opens it again. Everything is in memory and O(1) per request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from enum import StrEnum

from lockgate.manifest.cutover import CircuitBreakerSpec

BUCKETS = 10


class CircuitState(StrEnum):
    """Where a breaker stands."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class CircuitBreaker:
    """One version's breaker."""

    def __init__(
        self, spec: CircuitBreakerSpec, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.spec = spec
        self._clock = clock
        self._width = spec.window / BUCKETS
        self._ok = [0] * BUCKETS
        self._failed = [0] * BUCKETS
        self._epoch = [0] * BUCKETS
        self.state = CircuitState.CLOSED
        self._opened_at = 0.0
        self._probes = 0

    def allow(self) -> bool:
        """True when a request may go to this version now."""
        if self.state is CircuitState.CLOSED:
            return True
        if self.state is CircuitState.OPEN:
            if self._clock() - self._opened_at < self.spec.open_for:
                return False
            self.state = CircuitState.HALF_OPEN
            self._probes = 0
        if self._probes < self.spec.half_open_probes:
            self._probes += 1
            return True
        return False

    def success(self) -> None:
        """Count a request the version answered."""
        self._record(ok=True)

    def failure(self) -> None:
        """Count a request the version failed."""
        self._record(ok=False)

    def _record(self, *, ok: bool) -> None:
        if self.state is CircuitState.HALF_OPEN:
            if ok:
                self._reset()
            else:
                self._open()
            return
        index = self._bucket()
        if ok:
            self._ok[index] += 1
            return
        self._failed[index] += 1
        failed, total = sum(self._failed), sum(self._ok) + sum(self._failed)
        if total >= self.spec.min_requests and failed / total >= self.spec.failure_rate:
            self._open()

    def _bucket(self) -> int:
        epoch = int(self._clock() / self._width)
        index = epoch % BUCKETS
        if self._epoch[index] != epoch:
            self._epoch[index] = epoch
            self._ok[index] = 0
            self._failed[index] = 0
        # buckets older than the window are stale even if not reused yet
        for other in range(BUCKETS):
            if epoch - self._epoch[other] >= BUCKETS:
                self._ok[other] = self._failed[other] = 0
        return index

    def _open(self) -> None:
        self.state = CircuitState.OPEN
        self._opened_at = self._clock()

    def _reset(self) -> None:
        self.state = CircuitState.CLOSED
        self._ok = [0] * BUCKETS
        self._failed = [0] * BUCKETS


class RetryBudget:
    """Retries may be at most ``ratio`` of requests (plus a small floor), so they cannot snowball.

    Each request deposits ``ratio`` of a token; each retry withdraws one. The balance is capped so
    a quiet period cannot save up a burst of retries.
    """

    def __init__(self, ratio: float, *, floor: float = 3.0, cap: float = 20.0) -> None:
        self.ratio = ratio
        self._cap = cap
        self._balance = floor

    def deposit(self) -> None:
        """Count a request."""
        self._balance = min(self._cap, self._balance + self.ratio)

    def withdraw(self) -> bool:
        """Take one retry if the budget allows."""
        if self._balance >= 1.0:
            self._balance -= 1.0
            return True
        return False


class Breakers:
    """Breakers by (service, version), created on first use."""

    def __init__(self, spec: CircuitBreakerSpec) -> None:
        self.spec = spec
        self._breakers: dict[tuple[str, str], CircuitBreaker] = {}

    def get(self, service: str, version: str) -> CircuitBreaker:
        """The breaker of one version."""
        key = (service, version)
        breaker = self._breakers.get(key)
        if breaker is None:
            breaker = self._breakers[key] = CircuitBreaker(self.spec)
        return breaker

    def states(self) -> dict[tuple[str, str], CircuitState]:
        """Current state of every breaker (for metrics and status)."""
        return {key: breaker.state for key, breaker in self._breakers.items()}
