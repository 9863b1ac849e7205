"""Circuit breaker states and the retry budget, on a controlled clock."""

from __future__ import annotations

from lockgate.gateway.circuit import CircuitBreaker, CircuitState, RetryBudget
from lockgate.manifest.cutover import CircuitBreakerSpec


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _breaker(clock: Clock) -> CircuitBreaker:
    spec = CircuitBreakerSpec(failure_rate=0.5, min_requests=10, window=10, open_for=5,
                              half_open_probes=2)  # fmt: skip
    return CircuitBreaker(spec, clock)


def test_opens_at_failure_rate_with_enough_requests() -> None:
    """Below min_requests nothing opens; at half failures over ten requests it opens."""
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(4):
        breaker.failure()
    assert breaker.state is CircuitState.CLOSED
    for _ in range(5):
        breaker.success()
    breaker.failure()
    assert breaker.state is CircuitState.OPEN
    assert not breaker.allow()


def test_half_open_probes_then_close_or_reopen() -> None:
    """After open_for, a limited number of probes go through; success closes, failure reopens."""
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(10):
        breaker.failure()
    clock.now += 5.1
    assert breaker.allow()
    assert breaker.allow()
    assert not breaker.allow()
    breaker.failure()
    assert breaker.state is CircuitState.OPEN
    clock.now += 5.1
    assert breaker.allow()
    breaker.success()
    assert breaker.state is CircuitState.CLOSED
    assert breaker.allow()


def test_old_failures_leave_the_window() -> None:
    """Failures older than the window no longer count."""
    clock = Clock()
    breaker = _breaker(clock)
    for _ in range(9):
        breaker.failure()
    clock.now += 11
    for _ in range(9):
        breaker.success()
    breaker.failure()
    assert breaker.state is CircuitState.CLOSED


def test_retry_budget_caps_retries_to_a_share_of_requests() -> None:
    """With ratio 0.1, 1,000 requests allow about 100 retries (plus the floor), not 1,000."""
    budget = RetryBudget(0.1, floor=3, cap=20)
    granted = 0
    for _ in range(1000):
        budget.deposit()
        if budget.withdraw():
            granted += 1
    assert 100 <= granted <= 104
