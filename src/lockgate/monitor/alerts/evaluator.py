"""The alert evaluator: measure every alert, step its state machine, notify, store the pass.

Run it on one replica only (the lease holder): ``should_run`` is asked before every pass. State
lives in the store, so another replica that takes the lease continues the same episodes.
Notifications go out at least once: a pass stores its state after sending.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import structlog

from lockgate.manifest import LoadedManifest
from lockgate.manifest.reliability import SLO
from lockgate.monitor.alerts.conditions import Condition, rule_condition, slo_condition
from lockgate.monitor.alerts.definitions import AlertDefinition, alert_definitions, matches
from lockgate.monitor.alerts.dispatch import Dispatcher, build_notifiers
from lockgate.monitor.alerts.drift import drift_score
from lockgate.monitor.alerts.feedback import attach_feedback
from lockgate.monitor.alerts.http import HttpClient
from lockgate.monitor.alerts.notification import Delivery, Kind, Notification, Notifier
from lockgate.monitor.alerts.requestlog import RequestLogSource
from lockgate.monitor.alerts.slo import SloReport, evaluate_slo, windows_needed
from lockgate.monitor.alerts.source import Metrics, MetricSource, Scope
from lockgate.monitor.alerts.state import AlertState, Notice, Status, Step, step
from lockgate.privacy import Analyzer
from lockgate.store import alerts as stored
from lockgate.store.db import Store

log = structlog.get_logger("lockgate.alerts")


def _always() -> bool:
    return True


def utc_now() -> dt.datetime:
    """The current time, aware and in UTC."""
    return dt.datetime.now(dt.UTC)


def latency_thresholds_ms(loaded: LoadedManifest) -> tuple[float, ...]:
    """Latency thresholds the manifest names (SLO thresholds, latency_p95 rules), in ms."""
    found = [slo.threshold * 1000.0 for slo in loaded.manifest.slos if slo.threshold is not None]
    found += [
        r.threshold * 1000.0 for r in loaded.manifest.alerts.rules if r.metric == "latency_p95"
    ]
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one pass did for one alert."""

    key: str
    status: Status
    condition: Condition
    notice: Notice | None = None
    suppressed: Notice | None = None
    deliveries: tuple[Delivery, ...] = field(default_factory=tuple)


class AlertEvaluator:
    """Evaluates the manifest's rules and SLO burn-rate alerts every ``interval`` seconds."""

    def __init__(
        self,
        store: Store,
        manifest: LoadedManifest,
        notifiers: Mapping[str, Notifier],
        *,
        source: MetricSource | None = None,
        should_run: Callable[[], bool] = _always,
        clock: Callable[[], dt.datetime] = utc_now,
        analyzer: Analyzer | None = None,
        http: HttpClient | None = None,
    ) -> None:
        self.store = store
        self.service = manifest.manifest.service.name
        self.interval = manifest.manifest.alerts.interval
        if source is None:
            metrics = Metrics(
                RequestLogSource(
                    store,
                    versions=list(manifest.manifest.versions),
                    thresholds_ms=latency_thresholds_ms(manifest),
                )
            )
            attach_feedback(metrics, store)
            metrics.register("drift_score", drift_score(store))
            source = metrics
        self.source: MetricSource = source
        self.definitions = alert_definitions(manifest.manifest, metrics=self.source.names())
        self.dispatcher = Dispatcher(notifiers, analyzer=analyzer)
        self._should_run = should_run
        self._clock = clock
        self._http = http

    @classmethod
    def from_manifest(
        cls,
        store: Store,
        manifest: LoadedManifest,
        *,
        source: MetricSource | None = None,
        should_run: Callable[[], bool] = _always,
    ) -> AlertEvaluator:
        """An evaluator with the manifest's notifiers (secrets resolved); ``close`` it after."""
        http = HttpClient()
        notifiers = build_notifiers(manifest, http)
        return cls(store, manifest, notifiers, source=source, should_run=should_run, http=http)

    def _measure(self, now: dt.datetime) -> dict[str, Condition]:
        reports: dict[str, SloReport] = {}
        conditions: dict[str, Condition] = {}
        for definition in self.definitions:
            if definition.rule is not None:
                rule = definition.rule
                scope = Scope(self.service, rule.version)
                reading = self.source.read(rule.metric, scope, rule.window, now)
                conditions[definition.key] = rule_condition(rule, scope, reading)
            elif definition.slo is not None:
                slo = definition.slo
                if slo.name not in reports:
                    reports[slo.name] = self._slo_report(slo, now)
                conditions[definition.key] = slo_condition(reports[slo.name], definition.severity)
        return conditions

    def _slo_report(self, slo: SLO, now: dt.datetime) -> SloReport:
        scope = Scope(self.service)
        events = {w: self.source.events(slo, scope, w, now) for w in windows_needed(slo)}
        return evaluate_slo(slo, events)

    def _read(
        self, now: dt.datetime
    ) -> tuple[dict[str, Condition], dict[str, stored.AlertRecord], list[stored.Silence]]:
        conditions = self._measure(now)
        return (
            conditions,
            stored.load_states(self.store, self.service),
            stored.silences(self.store, self.service, now=now),
        )

    def notification(
        self, definition: AlertDefinition, condition: Condition, result: Step, now: dt.datetime
    ) -> Notification:
        """The notification a due notice becomes."""
        notice = result.notice or result.suppressed
        return Notification(
            alert=definition.key,
            service=self.service,
            kind=Kind.RESOLVED if notice is Notice.RESOLVED else Kind.FIRING,
            severity=definition.severity,
            summary=condition.summary,
            at=now,
            dedup_key=f"lockgate/{self.service}/{definition.key}/{result.state.episode}",
            version=definition.version,
            value=condition.value,
            runbook=definition.runbook,
            repeat=notice is Notice.REPEAT,
            details={"condition": definition.description, **condition.details},
        )

    async def evaluate_once(self) -> list[Outcome]:
        """One pass over every alert; returns what happened to each."""
        now = self._clock()
        conditions, records, silences = await asyncio.to_thread(self._read, now)
        steps: list[tuple[AlertDefinition, Condition, Step]] = []
        for definition in self.definitions:
            record = records.get(definition.key)
            prev = record.state if record is not None else AlertState(definition.key)
            condition = conditions[definition.key]
            silenced = any(matches(s.matcher, definition.key) for s in silences)
            result = step(
                prev,
                breaching=condition.breaching,
                now=now,
                for_=definition.for_,
                repeat=definition.repeat,
                silenced=silenced,
            )
            steps.append((definition, condition, result))
        sent = await asyncio.gather(*(self._send(d, c, r, now) for d, c, r in steps))
        new_records: list[stored.AlertRecord] = []
        events: list[stored.AlertEvent] = []
        outcomes: list[Outcome] = []
        for (definition, condition, result), deliveries in zip(steps, sent, strict=True):
            new_records.append(
                stored.AlertRecord(
                    result.state,
                    definition.severity.value,
                    condition.value,
                    condition.summary,
                    now,
                    condition.details,
                )
            )
            events.extend(_events(definition, condition, result, deliveries, now))
            outcomes.append(
                Outcome(
                    definition.key,
                    result.state.status,
                    condition,
                    result.notice,
                    result.suppressed,
                    tuple(deliveries),
                )
            )
        await asyncio.to_thread(stored.save_pass, self.store, self.service, new_records, events)
        return outcomes

    async def _send(
        self, definition: AlertDefinition, condition: Condition, result: Step, now: dt.datetime
    ) -> list[Delivery]:
        if result.notice is None or not definition.notify:
            return []
        notification = self.notification(definition, condition, result, now)
        return await self.dispatcher.send(notification, definition.notify)

    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Evaluate every ``interval`` seconds while ``should_run()`` says so, until ``stop``."""
        stopping = stop or asyncio.Event()
        while not stopping.is_set():
            if self._should_run():
                try:
                    await self.evaluate_once()
                except Exception:
                    log.exception("alert_evaluation_failed", service=self.service)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), self.interval)

    async def close(self) -> None:
        """Release the HTTP session of notifiers built by ``from_manifest``."""
        if self._http is not None:
            await self._http.close()


def _events(
    definition: AlertDefinition,
    condition: Condition,
    result: Step,
    deliveries: Sequence[Delivery],
    now: dt.datetime,
) -> list[stored.AlertEvent]:
    """History entries for one alert's step: its transition, then each delivery."""
    state, severity = result.state, definition.severity.value

    def event(
        kind: str, message: str, detail: dict[str, object] | None = None
    ) -> stored.AlertEvent:
        return stored.AlertEvent(
            now, definition.key, kind, severity, state.episode, message, condition.value, detail
        )

    found = []
    if result.changed:
        found.append(event(state.status.value, condition.summary, dict(condition.details)))
    if result.suppressed is not None:
        found.append(event("silenced", f"{result.suppressed.value} notice held back by a silence"))
    if result.notice is not None and not definition.notify:
        found.append(
            event("unrouted", f"{result.notice.value} notice: the alert names no notifier")
        )
    notice = result.notice.value if result.notice else ""
    found.extend(
        event(
            "notified" if d.delivered else "notify_failed",
            f"{notice} notice to {d.notifier}: {d.detail}",
            {"notifier": d.notifier, "attempts": d.attempts, "delivered": d.delivered},
        )
        for d in deliveries
    )
    return found
