"""Alert metric ``drift_score`` from the drift windows stored as evidence (no numpy needed)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lockgate.monitor.alerts.source import MetricFn, Reading
from lockgate.store import evidence
from lockgate.store.db import Store


def drift_score(store: Store) -> MetricFn:
    """The largest effect among the columns that drifted in the newest window closed within the
    rule's window (0 when that window was stable); no data when no window closed."""

    def read(scope: Any, window: float, now: dt.datetime) -> Reading:
        recent = [
            proof
            for proof in evidence.since(store, "drift.window", now - dt.timedelta(seconds=window))
            if proof.subject == scope.service
        ]
        if not recent:
            return Reading.no_data("no drift window closed in the rule's window")
        columns = recent[0].details.get("columns", [])
        effects = [float(c["effect"]) for c in columns if c.get("drifted")]
        return Reading(max(effects) if effects else 0.0)

    return read
