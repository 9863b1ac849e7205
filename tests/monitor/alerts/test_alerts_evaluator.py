"""The evaluator end to end: request log in, state and history in the store, webhooks out."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from alerts_support import NOW, Receiver, insert, loaded, request_rows

from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest
from lockgate.monitor.alerts import (
    AlertEvaluator,
    HttpClient,
    MetricSource,
    Outcome,
    Reading,
    Status,
    build_notifiers,
)
from lockgate.store import alerts as stored
from lockgate.store import migrate
from lockgate.store.db import Store

SERVICE = "support-assistant"


def manifest(folder: Path, url: str, **extra: Any) -> LoadedManifest:
    alerts = {
        "interval": "50ms",
        "notifiers": [{"name": "hook", "kind": "webhook", "url": f"{url}/hook"}],
        "rules": [
            {
                "name": "high-error-rate",
                "metric": "error_rate",
                "op": ">",
                "threshold": 0.1,
                "window": "5m",
                "for": "60s",
                "severity": "page",
                "notify": ["hook"],
                "runbook": "upstream-down",
            }
        ],
    }
    return loaded(folder, alerts=alerts, **extra)


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> dt.datetime:
        return self.now

    def at(self, seconds: float) -> None:
        self.now = NOW + dt.timedelta(seconds=seconds)


def evaluator(
    store: Store, manifest: LoadedManifest, clock: Clock, **options: Any
) -> AlertEvaluator:
    """An evaluator whose `close` releases its HTTP client."""
    http = HttpClient(timeout=2, attempts=2, backoff=0.01)
    notifiers = build_notifiers(manifest, http)
    return AlertEvaluator(store, manifest, notifiers, clock=clock, http=http, **options)


def by_key(outcomes: list[Outcome]) -> dict[str, Outcome]:
    return {o.key: o for o in outcomes}


def test_rule_pends_fires_once_and_resolves(
    store: Store, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    """20% errors: pending, firing after `for` with one webhook, then resolved with another."""
    recording, url = receiver
    insert(store, request_rows(80, at=NOW - dt.timedelta(seconds=30)))
    insert(store, request_rows(20, at=NOW - dt.timedelta(seconds=30), status=500))
    clock = Clock()
    config = manifest(tmp_path, url)

    async def scenario() -> list[Status]:
        first = evaluator(store, config, clock)
        statuses = []
        try:
            for seconds in (0, 60, 120):
                clock.at(seconds)
                statuses.append(by_key(await first.evaluate_once())["high-error-rate"].status)
        finally:
            await first.close()
        # Another replica takes over: the stored episode continues, no duplicate notice.
        second = evaluator(store, config, clock)
        try:
            for seconds in (180, 400):
                clock.at(seconds)
                statuses.append(by_key(await second.evaluate_once())["high-error-rate"].status)
        finally:
            await second.close()
        return statuses

    statuses = asyncio.run(scenario())
    assert statuses == [
        Status.PENDING,
        Status.FIRING,
        Status.FIRING,
        Status.FIRING,
        Status.RESOLVED,
    ]
    bodies = [r.json for r in recording.received]
    assert [b["type"] for b in bodies] == ["alert.firing", "alert.resolved"]
    assert bodies[0]["value"] == pytest.approx(0.2)
    assert bodies[0]["runbook"] == "upstream-down"
    assert (
        bodies[0]["dedup_key"]
        == bodies[1]["dedup_key"]
        == (f"lockgate/{SERVICE}/high-error-rate/1")
    )
    assert "error_rate is 0.2" in bodies[0]["summary"]
    kinds = [e.kind for e in reversed(stored.history(store, SERVICE))]
    assert kinds == ["pending", "firing", "notified", "resolved", "notified"]
    record = stored.load_states(store, SERVICE)["high-error-rate"]
    assert record.state.status is Status.RESOLVED
    assert record.state.episode == 1
    assert record.evaluated_at == NOW + dt.timedelta(seconds=400)


def test_silence_holds_the_page_until_it_expires(
    store: Store, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    """A silenced alert fires without a webhook; after expiry the notice goes out."""
    recording, url = receiver
    insert(store, request_rows(10, at=NOW, status=502))
    config = manifest(tmp_path, url)
    stored.add_silence(
        store,
        service=SERVICE,
        matcher="high-error-rate",
        seconds=90,
        reason="maintenance",
        actor="cli:ops",
        now=NOW,
    )
    clock = Clock()

    async def scenario() -> list[Outcome]:
        alerts = evaluator(store, config, clock)
        found = []
        try:
            for seconds in (0, 60, 100):
                clock.at(seconds)
                found.append(by_key(await alerts.evaluate_once())["high-error-rate"])
        finally:
            await alerts.close()
        return found

    pending, silenced, lifted = asyncio.run(scenario())
    assert pending.status is Status.PENDING
    assert silenced.status is Status.FIRING
    assert silenced.suppressed is not None
    assert silenced.deliveries == ()
    assert [d.delivered for d in lifted.deliveries] == [True]
    assert len(recording.received) == 1
    kinds = [e.kind for e in reversed(stored.history(store, SERVICE))]
    assert kinds == ["pending", "firing", "silenced", "notified"]


def test_slo_burn_pages_and_quality_reports_no_data(
    store: Store, receiver: tuple[Receiver, str], tmp_path: Path
) -> None:
    """20% errors in the last minute burn a 99% budget at 20x: page and ticket; quality: no data."""
    recording, url = receiver
    insert(store, request_rows(80, at=NOW - dt.timedelta(seconds=60)))
    insert(store, request_rows(20, at=NOW - dt.timedelta(seconds=60), status=503, version=None))
    slos = [
        {"name": "availability", "sli": "availability", "objective": 99, "window": "30d",
         "notify": ["hook"]},
        {"name": "answers", "sli": "quality", "objective": 90, "min_score": 1, "notify": ["hook"]},
    ]  # fmt: skip
    config = manifest(tmp_path, url, slos=slos)

    async def scenario() -> dict[str, Outcome]:
        alerts = evaluator(store, config, Clock())
        try:
            return by_key(await alerts.evaluate_once())
        finally:
            await alerts.close()

    outcomes = asyncio.run(scenario())
    page = outcomes["slo:availability:page"]
    assert page.status is Status.FIRING
    assert page.condition.value == pytest.approx(20.0)
    assert "20.0x over 1h" in page.condition.summary
    assert outcomes["slo:availability:ticket"].status is Status.FIRING
    quality = outcomes["slo:answers:page"]
    assert quality.status is Status.INACTIVE
    assert quality.condition.value is None
    assert "no data" in quality.condition.summary
    alerts_seen = sorted(r.json["alert"] for r in recording.received)
    assert alerts_seen == ["slo:availability:page", "slo:availability:ticket"]
    record = stored.load_states(store, SERVICE)["slo:availability:page"]
    assert record.detail is not None
    assert record.detail["budget_remaining"] == pytest.approx(1 - 20.0)


def test_unknown_metric_or_notifier_is_refused(tmp_path: Path, sqlite_url: str) -> None:
    """A rule on an unknown metric, or an SLO naming a missing notifier, fails at construction."""
    store = Store.open(sqlite_url)
    try:
        bad_metric = loaded(
            tmp_path, alerts={"rules": [{"name": "x", "metric": "error_rat", "threshold": 1}]}
        )
        with pytest.raises(ConfigError, match="unknown metric 'error_rat'"):
            AlertEvaluator(store, bad_metric, {})
        bad_notify = loaded(
            tmp_path,
            slos=[{"name": "a", "sli": "availability", "objective": 99, "notify": ["pager"]}],
        )
        with pytest.raises(ConfigError, match="pager"):
            AlertEvaluator(store, bad_notify, {})
    finally:
        store.close()


class FlakySource:
    """Raises on the first read, then reports a constant error rate."""

    def __init__(self) -> None:
        self.calls = 0

    def names(self) -> frozenset[str]:
        return frozenset({"error_rate"})

    def read(self, metric: str, scope: Any, window: float, now: dt.datetime) -> Any:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("source down")
        return Reading(0.5)

    def events(self, slo: Any, scope: Any, window: float, now: dt.datetime) -> Any:
        raise AssertionError("no SLOs in this manifest")


@pytest.mark.parametrize("leader", [True, False])
def test_loop_runs_only_on_the_leader_and_survives_errors(
    sqlite_url: str,
    open_store: Callable[[str], Store],
    receiver: tuple[Receiver, str],
    tmp_path: Path,
    leader: bool,
) -> None:
    """`should_run` gates every pass; a failing pass is logged and the loop goes on."""
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    _, url = receiver
    source = FlakySource()
    typed: MetricSource = source
    alerts = evaluator(
        store, manifest(tmp_path, url), Clock(), source=typed, should_run=lambda: leader
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(alerts.run(stop))
        for _ in range(100 if leader else 15):  # a follower gets 0.3 s, 6 intervals, to misbehave
            await asyncio.sleep(0.02)
            if source.calls >= 3:
                break
        stop.set()
        await asyncio.wait_for(task, 5)
        await alerts.close()

    asyncio.run(scenario())
    states = stored.load_states(store, SERVICE)
    if leader:
        assert source.calls >= 3
        assert states["high-error-rate"].state.status is Status.PENDING
    else:
        assert source.calls == 0
        assert states == {}
