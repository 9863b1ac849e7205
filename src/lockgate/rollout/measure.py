"""Measurements of both arms of running rollouts, from the request log, per replica and interval.

``MeasurementSink`` is a request-log sink: it receives every written batch (in the writer's
thread), keeps the records of services with a running rollout whose version is the baseline or
the candidate, and adds them to ``ArmMeasurements`` per (rollout, arm, interval): requests,
server errors, fallbacks, tokens, the latency histogram and output labels (``label``).
Intervals are aligned to the clock (``interval_start``), so a step's window can start at an
interval boundary and never mix traffic from before the step with traffic after it. ``flush``
writes what was gathered into ``rollout_measurements`` under this replica's id; the controller
sums every replica's rows.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence

import structlog

from lockgate.monitor.contract import VIOLATION
from lockgate.rollout.analysis import (
    ArmMeasurements,
    LabelCounts,
    LatencyHistogram,
    TokenStats,
)
from lockgate.rollout.routing import ActiveRollout
from lockgate.store import rollouts
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord
from lockgate.store.rollouts import BASELINE, CANDIDATE, Measurement

log = structlog.get_logger("lockgate.rollout.measure")

_Key = tuple[str, str, float]  # rollout id, arm, interval start (epoch seconds)


def interval_start(at: float, interval: float) -> float:
    """Start (epoch seconds) of the clock-aligned interval holding ``at``."""
    return math.floor(at / interval) * interval


def window_start(started: dt.datetime, interval: float) -> dt.datetime:
    """The first interval boundary at or after ``started``: where a step's measurements begin."""
    epoch = started.timestamp()
    return dt.datetime.fromtimestamp(math.ceil(epoch / interval) * interval, dt.UTC)


def arm_of(rollout: ActiveRollout, version: str) -> str | None:
    """``baseline``, ``candidate`` or None for a version outside the rollout."""
    if version == rollout.candidate:
        return CANDIDATE
    if version == rollout.baseline:
        return BASELINE
    return None


def _tokens(record: RequestRecord) -> int | None:
    if record.prompt_tokens is None and record.completion_tokens is None:
        return None
    return (record.prompt_tokens or 0) + (record.completion_tokens or 0)


def summarise(records: Sequence[RequestRecord]) -> ArmMeasurements:
    """The measurements of a group of requests of one arm."""
    tokens = [count for record in records if (count := _tokens(record)) is not None]
    labels = Counter(record.label for record in records if record.label is not None)
    return ArmMeasurements(
        requests=len(records),
        errors=sum(
            1 for record in records if record.status >= 500 or record.error_code == VIOLATION
        ),
        fallbacks=sum(1 for record in records if record.fallback is not None),
        tokens=TokenStats.from_samples(tokens),
        latency=LatencyHistogram.from_samples(record.latency_ms for record in records),
        labels=LabelCounts.from_mapping(labels),
    )


class MeasurementSink:
    """Gathers both arms' measurements and flushes them to the store every interval."""

    def __init__(
        self,
        store: Store,
        replica_id: str,
        active: Callable[[], Mapping[str, ActiveRollout]],
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self.replica_id = replica_id
        self._active = active
        self._clock = clock
        self._lock = threading.Lock()
        self._pending: dict[_Key, ArmMeasurements] = {}

    def __call__(self, batch: Sequence[RequestRecord]) -> None:
        """Take a written batch of the request log (``RequestLogWriter.add_sink``)."""
        running = self._active()
        if not running:
            return
        groups: dict[_Key, list[RequestRecord]] = defaultdict(list)
        for record in batch:
            rollout = running.get(record.service or "")
            if rollout is None or record.version is None:
                continue
            arm = arm_of(rollout, record.version)
            if arm is not None:
                groups[(rollout.id, arm, interval_start(record.at, rollout.interval))].append(
                    record
                )
        for key, records in groups.items():
            self._add(key, summarise(records))

    def _add(self, key: _Key, measurements: ArmMeasurements) -> None:
        with self._lock:
            current = self._pending.get(key)
            self._pending[key] = measurements if current is None else current.merge(measurements)

    def record_shadow(self, service: str, agreed: bool) -> None:
        """Count one shadowed request whose candidate answer agreed (or not) with the reference."""
        rollout = self._active().get(service)
        if rollout is None:
            return
        start = interval_start(self._clock(), rollout.interval)
        measurements = ArmMeasurements(shadow_agree=int(agreed), shadow_disagree=int(not agreed))
        self._add((rollout.id, CANDIDATE, start), measurements)

    def shadow_result(self, service: str, version: str, agreed: bool) -> None:
        """``ShadowSender``'s callback: count the comparison if ``version`` is the candidate."""
        rollout = self._active().get(service)
        if rollout is not None and version == rollout.candidate:
            self.record_shadow(service, agreed)

    def record_label(self, service: str, version: str, label: str) -> None:
        """Count one output label (e.g. the predicted intent) of a version's answer."""
        rollout = self._active().get(service)
        if rollout is None:
            return
        arm = arm_of(rollout, version)
        if arm is None:
            return
        start = interval_start(self._clock(), rollout.interval)
        labels = LabelCounts.from_mapping({label: 1})
        self._add((rollout.id, arm, start), ArmMeasurements(labels=labels))

    @property
    def pending(self) -> int:
        """Groups waiting to be written."""
        return len(self._pending)

    def flush(self) -> int:
        """Write everything gathered; returns the rows written. Kept for the next try on failure."""
        with self._lock:
            pending, self._pending = self._pending, {}
        if not pending:
            return 0
        items = [
            Measurement(
                rollout_id=rollout_id,
                replica_id=self.replica_id,
                interval_start=dt.datetime.fromtimestamp(start, dt.UTC),
                arm=arm,
                measurements=measurements,
            )
            for (rollout_id, arm, start), measurements in pending.items()
        ]
        try:
            with self._store.transaction() as session:
                return rollouts.add_measurements(session, items)
        except Exception:
            for key, measurements in pending.items():
                self._add(key, measurements)
            raise

    async def run(self, period: float) -> None:
        """Flush every ``period`` seconds until cancelled, then once more."""
        try:
            while True:
                await asyncio.sleep(period)
                try:
                    await asyncio.to_thread(self.flush)
                except Exception:
                    log.exception("rollout_measurements_flush_failed", pending=self.pending)
        finally:
            try:
                await asyncio.to_thread(self.flush)
            except Exception:
                log.exception("rollout_measurements_final_flush_failed", pending=self.pending)
