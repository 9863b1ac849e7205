"""Whether an alert's condition holds now, with the value and a sentence saying why. Pure.

"No data" never breaches: a rule on a metric without a value, or an SLO without events, is
inactive (and resolves if it was firing), as in Prometheus. The reason is kept in the details.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from lockgate.manifest.reliability import AlertRule, Severity
from lockgate.monitor.alerts.slo import SloReport, format_duration
from lockgate.monitor.alerts.source import Reading, Scope

OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


@dataclass(frozen=True, slots=True)
class Condition:
    """The condition of one alert at one evaluation."""

    breaching: bool
    value: float | None
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


def compare(value: float, op: str, threshold: float) -> bool:
    """``value op threshold``."""
    return OPERATORS[op](value, threshold)


def rule_condition(rule: AlertRule, scope: Scope, reading: Reading) -> Condition:
    """A threshold rule's condition from its metric's reading over the rule's window."""
    window = format_duration(rule.window)
    details: dict[str, Any] = {
        "metric": rule.metric,
        "op": rule.op,
        "threshold": rule.threshold,
        "window": window,
        "scope": str(scope),
    }
    if reading.value is None:
        details["reason"] = reading.reason
        summary = f"{rule.metric} has no data for {scope}: {reading.reason}"
        return Condition(breaching=False, value=None, summary=summary, details=details)
    holds = compare(reading.value, rule.op, rule.threshold)
    verb = "breaches" if holds else "is within"
    summary = (
        f"{rule.metric} is {reading.value:.4g} for {scope} over {window}; "
        f"{verb} {rule.op} {rule.threshold:g}"
    )
    return Condition(holds, reading.value, summary, details)


def slo_condition(report: SloReport, severity: Severity) -> Condition:
    """A burn-rate alert's condition: any of its window pairs fires."""
    details = report.to_json()
    slo = report.slo
    name = f"SLO {slo.name} ({slo.sli.value} {slo.objective:g}%)"
    if report.budget_remaining is None:
        summary = f"{name} has no data: {report.reason}"
        return Condition(breaching=False, value=None, summary=summary, details=details)
    firing = report.firing(severity)
    budget = f"{report.budget_remaining:.1%} of the error budget left"
    if not firing:
        fastest = _fastest(report, severity)
        return Condition(
            breaching=False, value=fastest, summary=f"{name}: {budget}", details=details
        )
    worst = max(firing, key=lambda c: c.long_rate or 0.0)
    assert worst.long_rate is not None
    assert worst.short_rate is not None
    summary = (
        f"{name} burns its error budget at {worst.long_rate:.1f}x over "
        f"{format_duration(worst.window.long)} and {worst.short_rate:.1f}x over "
        f"{format_duration(worst.window.short)} (alert above {worst.window.factor:g}x); {budget}"
    )
    return Condition(breaching=True, value=worst.long_rate, summary=summary, details=details)


def _fastest(report: SloReport, severity: Severity) -> float | None:
    """The highest long-window burn rate of ``severity`` (shown while not firing)."""
    rates = [
        c.long_rate
        for c in report.checks
        if c.window.severity is severity and c.long_rate is not None
    ]
    return max(rates) if rates else None
