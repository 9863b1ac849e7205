"""The measurement sink: per-arm aggregation from the request log, intervals, flushes, replicas."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping

import pytest

from lockgate.errors import StoreError
from lockgate.rollout import service
from lockgate.rollout.measure import MeasurementSink, interval_start, summarise, window_start
from lockgate.rollout.phases import Phase
from lockgate.rollout.routing import ActiveRollout
from lockgate.rollout.service import Actor
from lockgate.store import migrate, rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import BASELINE, CANDIDATE
from tests.rollout.helpers import SERVICE, Clock, current, make_manifest, request

UTC = dt.UTC


def test_intervals_are_aligned_to_the_clock() -> None:
    """A step starting mid-interval is measured from the next boundary on."""
    assert interval_start(1005.5, 10.0) == 1000.0
    started = dt.datetime(2026, 1, 5, 10, 0, 3, tzinfo=UTC)
    assert window_start(started, 10.0) == dt.datetime(2026, 1, 5, 10, 0, 10, tzinfo=UTC)
    on_edge = dt.datetime(2026, 1, 5, 10, 0, 10, tzinfo=UTC)
    assert window_start(on_edge, 10.0) == on_edge


def test_summarise_counts_errors_fallbacks_tokens_and_latency() -> None:
    """Server errors count, client errors do not; tokens add prompt and completion."""
    records = [request("v2", 0.0, error=False, latency_ms=10.0) for _ in range(3)]
    records.append(request("v2", 0.0, error=True, latency_ms=100.0))
    bad_request = request("v2", 0.0, error=False)
    bad_request.status = 400
    records.append(bad_request)
    records[0].prompt_tokens, records[0].completion_tokens = 12, 30
    records[1].fallback = "version"
    records[0].label, records[2].label, records[3].label = "greet", "refund", "refund"
    measured = summarise(records)
    assert measured.labels.as_dict() == {"greet": 1, "refund": 2}
    assert (measured.requests, measured.errors, measured.fallbacks) == (5, 1, 1)
    assert (measured.tokens.count, measured.tokens.total) == (1, 42)
    assert measured.latency.total == 5
    assert measured.latency.quantile(0.99) is not None and measured.latency.quantile(0.99) > 50


@pytest.fixture
def store(sqlite_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    return store


@pytest.fixture
def any_store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    """The store on SQLite and on PostgreSQL."""
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def _start(store: Store, clock: Clock) -> str:
    record = service.start(
        store, make_manifest(), service=SERVICE, version="v2", actor=Actor("t"), now=clock()
    )
    return record.id


def _active(rollout_id: str) -> Callable[[], Mapping[str, ActiveRollout]]:
    def active() -> Mapping[str, ActiveRollout]:
        return {SERVICE: ActiveRollout(rollout_id, SERVICE, "v1", "v2", Phase.CANARY, 10.0)}

    return active


def test_sink_keeps_only_the_rollout_versions_and_flushes_per_arm(store: Store) -> None:
    """Other services and versions are ignored; each arm and interval becomes one row."""
    clock = Clock()
    rollout_id = _start(store, clock)
    sink = MeasurementSink(store, "replica-a", _active(rollout_id), clock=clock.epoch)
    at = clock.epoch()
    batch = [request("v1", at, error=i < 2) for i in range(20)]
    batch += [request("v2", at, error=i < 1) for i in range(5)]
    batch += [request("v3", at, error=False), request("v2", at, error=False, service="other")]
    sink(batch)
    sink([request("v2", at + 12, error=False)])
    assert sink.flush() == 3
    assert sink.flush() == 0
    with store.transaction() as session:
        arms = rollouts.measured(session, rollout_id)
        later = rollouts.measured(session, rollout_id, since=clock.advance(10))
    assert (arms[BASELINE].requests, arms[BASELINE].errors) == (20, 2)
    assert (arms[CANDIDATE].requests, arms[CANDIDATE].errors) == (6, 1)
    assert (later[BASELINE].requests, later[CANDIDATE].requests) == (0, 1)


def test_replicas_add_up_and_shadow_agreement_is_counted(any_store: Store) -> None:
    """Two replicas' rows are summed; shadow comparisons land on the candidate arm."""
    clock = Clock()
    rollout_id = _start(any_store, clock)
    sinks = [
        MeasurementSink(any_store, name, _active(rollout_id), clock=clock.epoch)
        for name in ("replica-a", "replica-b")
    ]
    for sink in sinks:
        sink([request("v2", clock.epoch(), error=False) for _ in range(7)])
        sink.record_shadow(SERVICE, agreed=True)
        sink.shadow_result(SERVICE, "v2", False)  # noqa: FBT003 - the sender's callback shape
        sink.shadow_result(SERVICE, "v1", True)  # noqa: FBT003 - not the candidate: ignored
        sink.record_shadow("unknown-service", agreed=True)
        sink.record_label(SERVICE, "v1", "refund")
        sink.flush()
    with any_store.transaction() as session:
        candidate = rollouts.measured(session, rollout_id)[CANDIDATE]
        baseline = rollouts.measured(session, rollout_id)[BASELINE]
        assert rollouts.replicas(session, rollout_id) == 2
    assert candidate.requests == 14
    assert (candidate.shadow_agree, candidate.shadow_disagree) == (2, 2)
    assert baseline.labels.as_dict() == {"refund": 2}


def test_nothing_is_gathered_without_a_running_rollout(store: Store) -> None:
    """With no active rollout the sink drops the batch at once."""
    sink = MeasurementSink(store, "replica-a", dict, clock=Clock().epoch)
    sink([request("v2", 0.0, error=False)])
    sink.record_shadow(SERVICE, agreed=True)
    assert sink.pending == 0


def test_a_failed_flush_keeps_the_measurements(any_store: Store) -> None:
    """When the any_store refuses the write, the measurements wait for the next flush."""
    clock = Clock()
    rollout_id = _start(any_store, clock)
    sink = MeasurementSink(any_store, "replica-a", _active(rollout_id), clock=clock.epoch)
    sink([request("v2", clock.epoch(), error=False) for _ in range(4)])
    broken = MeasurementSink(any_store, "replica-a", _active("no-such-rollout"), clock=clock.epoch)
    broken([request("v2", clock.epoch(), error=False)])
    with pytest.raises(StoreError, match="database failed"):
        broken.flush()
    assert broken.pending == 1
    assert sink.flush() == 1
    assert current(any_store).id == rollout_id
    with any_store.transaction() as session:
        candidate = rollouts.measured(session, rollout_id)[CANDIDATE]
    assert (candidate.requests, candidate.errors, candidate.latency.total) == (4, 0, 4)
