"""Injected misbehaviour of a bad release: extra latency and occasional server errors."""

from __future__ import annotations

import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True, slots=True)
class FaultProfile:
    """How a release misbehaves: a uniform extra delay and a share of failed requests."""

    min_delay_s: float = 0.0
    max_delay_s: float = 0.0
    error_rate: float = 0.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_delay_s <= self.max_delay_s:
            raise ValueError("delays must satisfy 0 <= min_delay_s <= max_delay_s")
        if not 0.0 <= self.error_rate <= 1.0:
            raise ValueError("error_rate must be between 0 and 1")


@dataclass(frozen=True, slots=True)
class Fault:
    """What happens to one request."""

    delay_s: float
    fail: bool


HEALTHY = FaultProfile()
PROFILES: Mapping[str, FaultProfile] = MappingProxyType(
    {"v3": FaultProfile(min_delay_s=0.030, max_delay_s=0.060, error_rate=0.04)}
)


def profile_for(version: str) -> FaultProfile:
    """The fault profile of a model version (healthy unless it is a known bad release)."""
    return PROFILES.get(version, HEALTHY)


class FaultInjector:
    """Draws a :class:`Fault` per request from a profile; seedable and thread-safe."""

    __slots__ = ("_lock", "_rng", "profile")

    def __init__(self, profile: FaultProfile, rng: random.Random) -> None:
        self.profile = profile
        self._rng = rng
        self._lock = threading.Lock()

    def draw(self) -> Fault:
        """The fault for the next request (two draws per request, so runs are reproducible)."""
        profile = self.profile
        with self._lock:
            delay = self._rng.uniform(profile.min_delay_s, profile.max_delay_s)
            fail = self._rng.random() < profile.error_rate
        return Fault(delay_s=delay if profile.max_delay_s > 0 else 0.0, fail=fail)
