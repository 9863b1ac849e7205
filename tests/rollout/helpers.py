"""Shared pieces of the rollout tests: a settable clock, manifests, synthetic traffic, notices."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lockgate.gateway.services import ServiceRuntime, VersionRuntime
from lockgate.gateway.upstream import Target
from lockgate.manifest import Manifest, UpstreamAPI
from lockgate.rollout.controller import RolloutController, TickReport
from lockgate.rollout.measure import MeasurementSink
from lockgate.rollout.notify import Notice
from lockgate.rollout.plan import Plan
from lockgate.rollout.routing import ActiveRollout
from lockgate.store import rollouts
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord
from lockgate.store.rollouts import RolloutRecord
from tests.support.gateway import manifest_dict

SERVICE = "support-assistant"
T0 = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.UTC)  # a Monday, 10:00 UTC


def service_runtime(stable: str = "v1", base: str = "http://127.0.0.1:9") -> ServiceRuntime:
    """The service with versions v1, v2 and v3 as the gateway holds it."""

    def version(name: str) -> VersionRuntime:
        def target(path: str) -> Target:
            return Target(name, f"{base}/{name}{path}", (), 2.0, 1.0, ssl=False)

        return VersionRuntime(
            name, UpstreamAPI.OPENAI, target("/v1/chat/completions"), target("/invoke"), None
        )

    return ServiceRuntime(SERVICE, stable, {name: version(name) for name in ("v1", "v2", "v3")})


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime = T0) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now

    def epoch(self) -> float:
        return self.now.timestamp()


def rollout_section(**changes: Any) -> dict[str, Any]:
    """A two-step canary judged on the error rate, small enough for fast tests."""
    section: dict[str, Any] = {
        "strategy": "canary",
        "steps": [
            {"weight": 10, "bake": "20s", "min_requests": 50},
            {"weight": 50, "bake": "20s", "min_requests": 50},
        ],
        "analysis": {
            "interval": "10s",
            "deadline": "120s",
            "alpha": 0.01,
            "metrics": [{"metric": "error_rate", "min_samples": 100, "bake_samples": 300}],
        },
        "post_promotion_watch": "30s",
    }
    section.update(changes)
    return section


def make_manifest(
    rollout: Mapping[str, Any] | None = None, *, stage: str = "poc", **extra: Any
) -> Manifest:
    """A manifest with versions v1 (stable), v2 and v3."""
    data = manifest_dict({v: f"http://127.0.0.1:9/{v}" for v in ("v1", "v2", "v3")})
    data["service"]["stage"] = stage
    data["rollout"] = dict(rollout) if rollout is not None else rollout_section()
    data.update(extra)
    return Manifest.model_validate(data)


@dataclass
class Notices:
    """A notifier that keeps what it was told."""

    items: list[Notice] = field(default_factory=list)

    async def notify(self, notice: Notice) -> int:
        self.items.append(notice)
        return 1


def current(store: Store, service: str = SERVICE) -> RolloutRecord:
    """The newest rollout of the service."""
    with store.transaction() as session:
        record = rollouts.latest(session, service)
    assert record is not None
    return record


def running(store: Store) -> Callable[[], Mapping[str, ActiveRollout]]:
    """An ``active`` provider for a measurement sink, read straight from the store."""

    def active() -> Mapping[str, ActiveRollout]:
        record = current(store)
        if not record.active:
            return {}
        interval = Plan.from_json(record.plan).interval
        return {
            record.service: ActiveRollout(
                record.id,
                record.service,
                record.baseline,
                record.candidate,
                record.phase,
                interval,
            )
        }

    return active


def request(
    version: str, at: float, *, error: bool, latency_ms: float = 20.0, service: str = SERVICE
) -> RequestRecord:
    """A finished request as the gateway logs it."""
    return RequestRecord(
        request_id="r",
        at=at,
        key_id="k",
        service=service,
        version=version,
        route="chat",
        status=500 if error else 200,
        error_code="upstream_error" if error else None,
        stream=False,
        latency_ms=latency_ms,
        upstream_ms=None,
        prompt_tokens=None,
        completion_tokens=None,
        fallback=None,
    )


@dataclass
class Traffic:
    """A fixed number of requests per call, split by the rollout's weight, at set error rates."""

    store: Store
    clock: Clock
    baseline_errors: float = 0.01
    candidate_errors: float = 0.01
    per_call: int = 1000
    sink: MeasurementSink = field(init=False)

    def __post_init__(self) -> None:
        self.sink = MeasurementSink(
            self.store, "replica-test", running(self.store), clock=self.clock.epoch
        )

    def send(self) -> None:
        record = current(self.store)
        to_candidate = round(self.per_call * record.progress.weight / 100)
        batch = []
        for version, count, rate in (
            (record.candidate, to_candidate, self.candidate_errors),
            (record.baseline, self.per_call - to_candidate, self.baseline_errors),
        ):
            errors = round(count * rate)
            batch += [request(version, self.clock.epoch(), error=i < errors) for i in range(count)]
        self.sink(batch)
        self.sink.flush()


async def drive(
    controller: RolloutController,
    clock: Clock,
    traffic: Traffic | None,
    until: Callable[[RolloutRecord], bool],
    *,
    store: Store,
    step: float = 5.0,
    limit: int = 200,
) -> RolloutRecord:
    """Send traffic and tick every ``step`` seconds until ``until(current rollout)``."""
    for _ in range(limit):
        record = current(store)
        if until(record):
            return record
        clock.advance(step)
        if traffic is not None:
            traffic.send()
        report: TickReport = await controller.tick()
        assert report.leader
    raise AssertionError(f"not reached within {limit} ticks: {current(store)}")


def kinds(store: Store, rollout_id: str) -> list[str]:
    """The kinds of a rollout's events, oldest first."""
    with store.transaction() as session:
        return [event.kind for event in rollouts.events(session, rollout_id, limit=1000)]
