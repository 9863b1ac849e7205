"""Pure judgement over the answers a drill saw: when a condition set in, and whether targets held.

Answers are ordered by the time they were sent. A run of ``streak`` consecutive answers that all
meet a condition marks the moment the condition set in: the arrival of the run's first answer. Only
answers sent before the *horizon* (the oldest request still in flight) are looked at, so a slow
answer that arrives later can never break a run already counted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lockgate.drills.model import Check, Sample, Step, Targets, Timings

Accept = Callable[[Sample], bool]


def settled(samples: Sequence[Sample], *, after: float, horizon: float) -> list[Sample]:
    """Answers sent in ``[after, horizon)``, in the order they were sent."""
    return sorted((s for s in samples if after <= s.sent < horizon), key=lambda s: s.sent)


class StreakTracker:
    """Finds the first run of ``streak`` accepted answers, fed in the order they were sent."""

    def __init__(self, accept: Accept, *, streak: int, after: float) -> None:
        if streak < 1:
            raise ValueError("a streak is at least one answer")
        self._accept = accept
        self._streak = streak
        self._after = after
        self._run: list[Sample] = []
        self.start: Sample | None = None
        """The run's first answer, once a run is complete."""

    def feed(self, ordered: Sequence[Sample]) -> Sample | None:
        """Consume answers (in send order, after those fed before); the run's start once found."""
        for sample in ordered:
            if self.start is not None:
                break
            if sample.sent < self._after:
                continue
            if not self._accept(sample):
                self._run = []
                continue
            self._run.append(sample)
            if len(self._run) == self._streak:
                self.start = self._run[0]
        return self.start


def first_streak(
    samples: Sequence[Sample], accept: Accept, *, after: float, horizon: float, streak: int
) -> Sample | None:
    """The first answer of the first run of ``streak`` accepted answers sent after ``after``."""
    tracker = StreakTracker(accept, streak=streak, after=after)
    return tracker.feed(settled(samples, after=after, horizon=horizon))


class Settler:
    """Hands out answers in send order once every answer sent before them has arrived."""

    def __init__(self) -> None:
        self._seen = 0
        self._pending: list[Sample] = []

    def take(self, samples: Sequence[Sample], horizon: float) -> list[Sample]:
        """The newly settled answers of the append-only ``samples``, in send order."""
        self._pending.extend(samples[self._seen :])
        self._seen = len(samples)
        ready = sorted((s for s in self._pending if s.sent < horizon), key=lambda s: s.sent)
        self._pending = [s for s in self._pending if s.sent >= horizon]
        return ready


def first_arrival(samples: Sequence[Sample], accept: Accept, *, after: float) -> Sample | None:
    """The accepted answer that arrived first among those sent after ``after``."""
    found = [s for s in samples if s.sent >= after and accept(s)]
    return min(found, key=lambda s: s.done) if found else None


def share(samples: Sequence[Sample], accept: Accept, *, start: float, end: float) -> float | None:
    """The share of answers sent in ``[start, end)`` that are accepted (None without answers)."""
    window = [s for s in samples if start <= s.sent < end]
    return sum(1 for s in window if accept(s)) / len(window) if window else None


def check(step: Step, measured: float | None, target: float | None, waited: float) -> Check:
    """``step``'s measurement against its target; a missing measurement fails a set target."""
    if target is None:
        note = "no target" if measured is not None else "not observed (no target)"
        return Check(step, measured, None, passed=True, note=note)
    if measured is None:
        return Check(step, None, target, passed=False, note=f"not observed within {waited:.3g}s")
    if measured > target:
        return Check(
            step, measured, target, passed=False, note=f"took {measured:.3g}s > {target:g}s"
        )
    return Check(step, measured, target, passed=True, note=f"{measured:.3g}s <= {target:g}s")


def verdict(
    timings: Timings,
    targets: Targets,
    waited: dict[Step, float],
    *,
    steps: Sequence[Step] = tuple(Step),
) -> tuple[tuple[Check, ...], bool]:
    """Every applicable step checked, and whether all passed."""
    checks = tuple(
        check(step, timings.get(step), targets.get(step), waited.get(step, 0.0)) for step in steps
    )
    return checks, all(c.passed for c in checks)
