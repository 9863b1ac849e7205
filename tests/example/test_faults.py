"""Injected faults of the bad release: rates, delays, reproducibility."""

from __future__ import annotations

import random
import threading

import pytest

from lockgate.example.faults import HEALTHY, FaultInjector, FaultProfile, profile_for


def test_v3_profile_is_slow_and_failing() -> None:
    """v3 adds 30-60 ms and fails about 4% of requests; v1 and v2 are healthy."""
    profile = profile_for("v3")
    assert (profile.min_delay_s, profile.max_delay_s, profile.error_rate) == (0.030, 0.060, 0.04)
    assert profile_for("v1") == HEALTHY
    assert profile_for("v2") == HEALTHY


def test_draws_follow_the_profile() -> None:
    """Over 20,000 draws the failure share is within 5 standard errors of 4%."""
    injector = FaultInjector(profile_for("v3"), random.Random(1))
    faults = [injector.draw() for _ in range(20_000)]
    share = sum(f.fail for f in faults) / len(faults)
    assert 0.033 <= share <= 0.047
    assert all(0.030 <= f.delay_s <= 0.060 for f in faults)
    mean_delay = sum(f.delay_s for f in faults) / len(faults)
    assert 0.044 <= mean_delay <= 0.046


def test_same_seed_same_faults() -> None:
    """Two injectors with the same seed draw the same sequence."""
    first = FaultInjector(profile_for("v3"), random.Random(42))
    second = FaultInjector(profile_for("v3"), random.Random(42))
    assert [first.draw() for _ in range(500)] == [second.draw() for _ in range(500)]


def test_healthy_profile_never_fails_or_waits() -> None:
    """The healthy profile injects nothing."""
    injector = FaultInjector(HEALTHY, random.Random(0))
    assert all(not f.fail and f.delay_s == 0.0 for f in (injector.draw() for _ in range(1000)))


def test_draws_from_many_threads_are_all_counted() -> None:
    """Concurrent draws neither crash nor lose draws (the generator is locked)."""
    injector = FaultInjector(FaultProfile(error_rate=0.5), random.Random(3))
    reference = FaultInjector(FaultProfile(error_rate=0.5), random.Random(3))
    results: list[bool] = []

    def work() -> None:
        results.extend(injector.draw().fail for _ in range(500))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    expected = [reference.draw().fail for _ in range(2000)]
    assert sorted(results) == sorted(expected)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"min_delay_s": 0.2, "max_delay_s": 0.1}, "delays"),
        ({"min_delay_s": -1.0}, "delays"),
        ({"error_rate": 1.5}, "error_rate"),
    ],
)
def test_invalid_profiles_are_refused(kwargs: dict[str, float], message: str) -> None:
    """Impossible delays or rates are rejected when the profile is built."""
    with pytest.raises(ValueError, match=message):
        FaultProfile(**kwargs)
