"""A Prometheus rules file equivalent to the manifest's SLO burn-rate alerts and threshold rules.

Per SLO, recording rules compute the error ratio over each burn window (scaled to the SLO window
exactly as the in-process evaluator does) and the budget left; the page and ticket alerts combine
the window pairs as in the SRE workbook. Each threshold rule becomes one alert with its ``for``.
What cannot be expressed (a quality SLO, a metric without a Prometheus series) is left out with a
warning, never approximated silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import yaml

from lockgate.manifest.model import Manifest
from lockgate.manifest.reliability import SLO, AlertRule, SLIKind
from lockgate.monitor.alerts.definitions import SLO_SEVERITIES, describe_rule, describe_slo
from lockgate.monitor.alerts.slo import budget_fraction, burn_windows, format_duration
from lockgate.monitor.exports import promql

ERROR_RATIO = "lockgate:slo_errors:ratio_rate"
BUDGET_REMAINING = "lockgate:slo_budget_remaining:ratio"


@dataclass(frozen=True, slots=True)
class Export:
    """A generated document and what could not be exported."""

    document: dict[str, Any]
    warnings: tuple[str, ...] = ()

    def to_yaml(self) -> str:
        """The document as YAML (no anchors: every rule reads on its own)."""
        return yaml.dump(
            self.document, Dumper=_PlainDumper, sort_keys=False, width=1000, allow_unicode=True
        )


class _PlainDumper(yaml.SafeDumper):
    """A safe dumper that writes repeated values out instead of as anchors and aliases."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - PyYAML's signature
        return True


def alert_name(key: str) -> str:
    """A valid Prometheus alert name: ``high-error-rate`` -> ``LockgateHighErrorRate``."""
    parts = re.split(r"[^a-zA-Z0-9]+", key)
    return "Lockgate" + "".join(p[:1].upper() + p[1:] for p in parts if p)


def _number(value: float) -> str:
    return repr(round(value, 12))


def sli_error_ratio(slo: SLO, service: str, window: str) -> tuple[str | None, str]:
    """PromQL for the share of bad events over ``window``, and a warning ("" when exact)."""
    labels = {"service": service}
    total = promql.requests_rate(labels, window)
    if slo.sli is SLIKind.AVAILABILITY:
        bad = promql.requests_rate(labels, window, extra='status_class="5xx"')
        return promql.ratio(bad, total), ""
    if slo.sli is SLIKind.QUALITY:
        return None, f"SLO {slo.name!r}: a quality SLI has no Prometheus series yet; not exported"
    assert slo.threshold is not None
    bucket, exact = promql.latency_bucket(slo.threshold)
    sel = promql.selector(labels, extra=f'le="{promql.le(bucket)}"')
    good = f"sum(rate({promql.DURATION}_bucket{sel}[{window}]))"
    count = f"sum(rate({promql.DURATION}_count{promql.selector(labels)}[{window}]))"
    warning = (
        ""
        if exact
        else f"SLO {slo.name!r}: threshold {slo.threshold:g}s is not a histogram bucket; "
        f"the rules count requests within {bucket:g}s as good"
    )
    return f"1 - ({good}) / ({count})", warning


def _slo_rules(
    slo: SLO, service: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    labels = {"service": service, "slo": slo.name}
    pairs = burn_windows(slo.window)
    windows = sorted({w for p in pairs for w in (p.long, p.short)} | {slo.window})
    records: list[dict[str, Any]] = []
    warnings: list[str] = []
    for seconds in windows:
        window = format_duration(seconds)
        expr, warning = sli_error_ratio(slo, service, window)
        if expr is None:
            return [], [], [warning]
        if warning and warning not in warnings:
            warnings.append(warning)
        records.append({"record": f"{ERROR_RATIO}{window}", "expr": expr, "labels": labels})
    budget = budget_fraction(slo.objective)
    whole = f"{ERROR_RATIO}{format_duration(slo.window)}{promql.selector(labels)}"
    records.append(
        {
            "record": BUDGET_REMAINING,
            "expr": f"1 - {whole} / {_number(budget)}",
            "labels": labels,
        }
    )
    alerts = []
    for severity in SLO_SEVERITIES:
        clauses = []
        for pair in (p for p in pairs if p.severity is severity):
            limit = _number(pair.factor * budget)
            long_ = f"{ERROR_RATIO}{format_duration(pair.long)}{promql.selector(labels)}"
            short = f"{ERROR_RATIO}{format_duration(pair.short)}{promql.selector(labels)}"
            clauses.append(f"({long_} > {limit} and {short} > {limit})")
        key = f"slo:{slo.name}:{severity.value}"
        alerts.append(
            {
                "alert": alert_name(f"slo-{slo.name}-{severity.value}"),
                "expr": " or ".join(clauses),
                "labels": {**labels, "severity": severity.value, "lockgate_alert": key},
                "annotations": _annotations(
                    f"SLO {slo.name} is burning its error budget too fast",
                    describe_slo(slo, severity),
                    slo.runbook,
                ),
            }
        )
    return records, alerts, warnings


def _annotations(summary: str, description: str, runbook: str | None) -> dict[str, str]:
    found = {"summary": summary, "description": description}
    if runbook:
        found["runbook"] = runbook
    return found


def _rule_alert(rule: AlertRule, service: str) -> dict[str, Any] | None:
    window = format_duration(rule.window)
    expr = promql.metric_expr(rule.metric, service, rule.version, window)
    if expr is None:
        return None
    labels = {"service": service, "severity": rule.severity.value, "lockgate_alert": rule.name}
    if rule.version:
        labels["version"] = rule.version
    alert: dict[str, Any] = {
        "alert": alert_name(rule.name),
        "expr": f"{expr} {rule.op} {_number(rule.threshold)}",
    }
    if rule.for_:
        alert["for"] = format_duration(rule.for_)
    alert["labels"] = labels
    alert["annotations"] = _annotations(
        f"{rule.metric} is {{{{ $value | humanize }}}} for {service} over {window}",
        describe_rule(rule),
        rule.runbook,
    )
    return alert


def prometheus_rules(manifest: Manifest) -> Export:
    """The rules file for ``manifest``'s service."""
    service = manifest.service.name
    interval = format_duration(manifest.alerts.interval)
    records: list[dict[str, Any]] = []
    slo_alerts: list[dict[str, Any]] = []
    warnings: list[str] = []
    for slo in manifest.slos:
        slo_records, alerts, notes = _slo_rules(slo, service)
        records += slo_records
        slo_alerts += alerts
        warnings += notes
    rule_alerts = []
    for rule in manifest.alerts.rules:
        alert = _rule_alert(rule, service)
        if alert is None:
            warnings.append(f"rule {rule.name!r}: metric {rule.metric!r} has no Prometheus series")
        else:
            rule_alerts.append(alert)
    groups = [
        {"name": f"lockgate-{service}-{suffix}", "interval": interval, "rules": rules}
        for suffix, rules in (("slo-records", records), ("slo-alerts", slo_alerts))
        if rules
    ]
    if rule_alerts:
        groups.append(
            {"name": f"lockgate-{service}-rules", "interval": interval, "rules": rule_alerts}
        )
    return Export({"groups": groups}, tuple(warnings))
