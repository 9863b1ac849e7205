"""What the store says the system noticed: alert states and the rollout controller's lease.

Alerting and rollouts are optional machinery: when their modules or their running loops are
missing, these functions say what is missing instead of guessing.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from lockgate.store.db import Store

LIVENESS_PASSES = 3
"""An evaluator is running when it evaluated within this many of its intervals (plus slack)."""
LIVENESS_SLACK = 5.0


@dataclass(frozen=True, slots=True)
class AlertView:
    """What the store holds about one alert."""

    key: str
    status: str
    since: dt.datetime | None
    value: float | None
    reason: str | None
    evaluated_at: dt.datetime

    @property
    def firing(self) -> bool:
        """The alert is firing now."""
        return self.status == "firing"


def _optional(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def alert_states(store: Store, service: str) -> dict[str, AlertView] | None:
    """Every stored alert of ``service``; None when alerting is not installed."""
    alerts = _optional("lockgate.store.alerts")
    if alerts is None:
        return None
    records = alerts.load_states(store, service)
    return {
        key: AlertView(
            key,
            str(record.state.status),
            record.state.since,
            record.value,
            (record.detail or {}).get("reason"),
            record.evaluated_at,
        )
        for key, record in records.items()
    }


def evaluator_missing(
    states: Mapping[str, AlertView] | None, *, interval: float, now: dt.datetime
) -> str | None:
    """Why no alert evaluator can be relied on, or None when one evaluated recently."""
    if states is None:
        return "alerting is not installed (lockgate.store.alerts)"
    if not states:
        return "no alert evaluator is running (the store holds no evaluated alert)"
    newest = max(view.evaluated_at for view in states.values())
    allowed = LIVENESS_PASSES * interval + LIVENESS_SLACK
    age = (now - newest).total_seconds()
    if age > allowed:
        return (
            f"no alert evaluator is running (the newest evaluation is {age:.0f}s old; "
            f"the interval is {interval:g}s)"
        )
    return None


def firing_since(
    states: Mapping[str, AlertView],
    after: dt.datetime,
    accept: Callable[[str], bool] | None = None,
) -> str | None:
    """The key of an alert (that ``accept`` takes) which started firing at or after ``after``."""
    for key, view in sorted(states.items()):
        if accept is not None and not accept(key):
            continue
        if view.firing and view.since is not None and view.since >= after:
            return key
    return None


def controller_missing(store: Store, now: dt.datetime) -> str | None:
    """Why no rollout controller can be relied on, or None when one holds its lease."""
    stored = _optional("lockgate.store.rollouts")
    controller = _optional("lockgate.rollout.controller")
    if stored is None or controller is None or _optional("lockgate.rollout.service") is None:
        return "rollouts are not installed (lockgate.rollout)"
    with store.transaction() as session:
        lease = stored.lease(session, controller.LEASE)
    if lease is None or lease.expires_at <= now:
        return "no rollout controller is running (no gateway holds the rollout-controller lease)"
    return None
