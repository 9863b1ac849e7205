"""Pure figures: percentiles, one load run's result, added latency, target checks."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values``, linear between closest ranks."""
    if not values:
        raise ValueError("percentile of no values: run at least one request")
    if not 0.0 <= q <= 100.0:
        raise ValueError(f"percentile {q} is outside 0..100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100.0
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True, slots=True)
class Measured:
    """What a load generator reports for one run."""

    requests: int
    errors: int
    duration_s: float
    p50_ms: float
    p99_ms: float

    @property
    def rps(self) -> float:
        """Completed requests per second over the run."""
        return self.requests / self.duration_s if self.duration_s > 0 else 0.0


@dataclass(frozen=True, slots=True)
class RunResult:
    """One measured run: a target at a concurrency, the generator's figures, server CPU time.

    ``cpu_ms_per_request`` is the CPU time the measured server spent per completed request:
    less sensitive than latency to other work on a shared machine.
    """

    target: str
    concurrency: int
    measured: Measured
    cpu_ms_per_request: float | None = None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        m = self.measured
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "requests": m.requests,
            "errors": m.errors,
            "duration_s": round(m.duration_s, 3),
            "rps": round(m.rps, 1),
            "p50_ms": round(m.p50_ms, 3),
            "p99_ms": round(m.p99_ms, 3),
            "cpu_ms_per_request": (
                None if self.cpu_ms_per_request is None else round(self.cpu_ms_per_request, 4)
            ),
        }


@dataclass(frozen=True, slots=True)
class Added:
    """Latency a target adds over the direct path at one concurrency."""

    target: str
    concurrency: int
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "target": self.target,
            "concurrency": self.concurrency,
            "added_p50_ms": round(self.p50_ms, 3),
            "added_p99_ms": round(self.p99_ms, 3),
        }


def added_latency(direct: RunResult, through: RunResult) -> Added:
    """``through`` minus ``direct`` at p50 and p99 (both runs at the same concurrency)."""
    if direct.concurrency != through.concurrency:
        raise ValueError("compare runs at the same concurrency")
    return Added(
        target=through.target,
        concurrency=through.concurrency,
        p50_ms=through.measured.p50_ms - direct.measured.p50_ms,
        p99_ms=through.measured.p99_ms - direct.measured.p99_ms,
    )


@dataclass(frozen=True, slots=True)
class Target:
    """A goal and the measured value: ``met`` when value <= goal (or >= for ``at_least``)."""

    name: str
    goal: float
    value: float | None
    unit: str
    at_least: bool = False

    @property
    def met(self) -> bool | None:
        """True or False, or None when the value could not be measured."""
        if self.value is None:
            return None
        return self.value >= self.goal if self.at_least else self.value <= self.goal

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "name": self.name,
            "goal": f"{'>=' if self.at_least else '<='} {self.goal:g} {self.unit}".strip(),
            "value": None if self.value is None else round(self.value, 3),
            "unit": self.unit,
            "met": self.met,
        }
