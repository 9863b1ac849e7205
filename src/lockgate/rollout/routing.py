"""Weighted, sticky routing for rollouts, and the watcher that keeps every replica's router current.

A request's bucket is ``hash(rollout id + sticky key, else key id)`` in ``0..9999``; it goes to the
candidate when the bucket is below the candidate's weight in basis points. The bucket depends on
nothing else, so a user or conversation stays on one version for the whole rollout, every replica
agrees, and raising the weight only moves users from the baseline to the candidate.

``RoutingWatcher`` reads the current rollout of every service from the store twice a second and
installs the matching policy in the router, so all replicas route the same way within a second of
any change, whoever made it (controller, CLI or admin API).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import structlog

from lockgate.gateway.router import RouteContext, Router
from lockgate.gateway.services import ServiceRuntime
from lockgate.rollout.phases import ACTIVE, Phase
from lockgate.rollout.plan import Plan
from lockgate.store import rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import RolloutRecord

log = structlog.get_logger("lockgate.rollout.routing")

BUCKETS = 10_000
WATCH_PERIOD = 0.5


def bucket(rollout_id: str, key: str) -> int:
    """The stable bucket (0..9999) of ``key`` in rollout ``rollout_id``."""
    digest = hashlib.blake2b(f"{rollout_id}\x00{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % BUCKETS


def _threshold(percent: float) -> int:
    return round(percent * BUCKETS / 100.0)


@dataclass(frozen=True, slots=True)
class WeightedPolicy:
    """Route ``weight`` percent of sticky keys to the candidate, the rest to the baseline."""

    rollout_id: str
    baseline: str
    candidate: str
    weight: float
    shadow: bool = False
    shadow_share: float = 100.0

    def to_candidate(self, context: RouteContext) -> bool:
        """True when this request's sticky key falls in the candidate's share."""
        key = context.sticky_key or context.key_id
        return bucket(self.rollout_id, key) < _threshold(self.weight)

    def choose(self, service: ServiceRuntime, context: RouteContext) -> str:  # noqa: ARG002
        """The version that serves this request (``RoutingPolicy``)."""
        return self.candidate if self.to_candidate(context) else self.baseline

    def shadow_target(self, context: RouteContext | None = None) -> str | None:
        """The version to send a copy of this request to, if it is shadowed."""
        if not self.shadow or self.shadow_share <= 0:
            return None
        if context is None or self.shadow_share >= 100:
            return self.candidate
        key = context.sticky_key or context.key_id
        inside = bucket(f"{self.rollout_id}:shadow", key) < _threshold(self.shadow_share)
        return self.candidate if inside else None


def policy_for(record: RolloutRecord) -> WeightedPolicy:
    """The routing of a rollout in its current phase."""
    shadow = record.phase is Phase.SHADOW
    share = Plan.from_json(record.plan).spec.shadow_share if shadow else 100.0
    return WeightedPolicy(
        rollout_id=record.id,
        baseline=record.baseline,
        candidate=record.candidate,
        weight=record.progress.weight,
        shadow=shadow,
        shadow_share=share,
    )


@dataclass(frozen=True, slots=True)
class ActiveRollout:
    """What the measurement sink needs to know about a running rollout."""

    id: str
    service: str
    baseline: str
    candidate: str
    phase: Phase
    interval: float


def _running(record: RolloutRecord) -> ActiveRollout | None:
    if record.phase not in ACTIVE or record.phase is Phase.ABORTING:
        return None
    interval = Plan.from_json(record.plan).interval
    return ActiveRollout(
        record.id, record.service, record.baseline, record.candidate, record.phase, interval
    )


@dataclass(frozen=True, slots=True)
class _Cached:
    revision: tuple[str, int]
    policy: WeightedPolicy
    running: ActiveRollout | None


class RoutingWatcher:
    """Keeps the router's policies in line with the store; one per gateway process."""

    def __init__(
        self,
        store: Store,
        router: Router,
        services: Mapping[str, ServiceRuntime],
        *,
        period: float = WATCH_PERIOD,
    ) -> None:
        self._store = store
        self._router = router
        self._services = services
        self.period = period
        self._policies: Mapping[str, WeightedPolicy] = MappingProxyType({})
        self._active: Mapping[str, ActiveRollout] = MappingProxyType({})
        self._cache: dict[str, _Cached] = {}

    def load(self) -> dict[str, RolloutRecord | None]:
        """The newest rollout of every service (blocking; run it in a thread)."""
        with self._store.transaction() as session:
            return {name: rollouts.latest(session, name) for name in self._services}

    def apply(self, latest: Mapping[str, RolloutRecord | None]) -> None:
        """Install the policies for ``latest`` (on the event loop's thread)."""
        policies: dict[str, WeightedPolicy] = {}
        active: dict[str, ActiveRollout] = {}
        for name, record in latest.items():
            service = self._services[name]
            if record is None or not record.governs(service.stable):
                self._router.install(name, None)
                self._cache.pop(name, None)
                continue
            cached = self._cache.get(name)
            if cached is None or cached.revision != (record.id, record.revision):
                cached = _Cached((record.id, record.revision), policy_for(record), _running(record))
                self._cache[name] = cached
                log.info(
                    "rollout_routing",
                    service=name,
                    rollout=record.id,
                    phase=str(record.phase),
                    candidate=record.candidate,
                    weight=record.progress.weight,
                )
            policies[name] = cached.policy
            self._router.install(name, cached.policy)
            if cached.running is not None:
                active[name] = cached.running
        self._policies = MappingProxyType(policies)
        self._active = MappingProxyType(active)

    def refresh(self) -> None:
        """Load and apply at once (for tests and start-up)."""
        self.apply(self.load())

    async def run(self) -> None:
        """Refresh every ``period`` seconds until cancelled; failures are logged and retried."""
        while True:
            try:
                self.apply(await asyncio.to_thread(self.load))
            except Exception:
                log.exception("rollout_routing_refresh_failed")
            await asyncio.sleep(self.period)

    def policy(self, service: str) -> WeightedPolicy | None:
        """The policy installed for ``service``."""
        return self._policies.get(service)

    def shadow_target(self, service: str, context: RouteContext | None = None) -> str | None:
        """The version a copy of this request should go to, or None when nothing is shadowed."""
        policy = self._policies.get(service)
        return policy.shadow_target(context) if policy is not None else None

    def active(self) -> Mapping[str, ActiveRollout]:
        """Running rollouts by service."""
        return self._active
