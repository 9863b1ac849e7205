"""The alerts a manifest defines: each threshold rule, and a page and a ticket alert per SLO.

Alert keys are the rule's name, or ``slo:<name>:page`` / ``slo:<name>:ticket``. Names in the
manifest cannot contain ``:``, so the two never collide. A matcher (for silences and the CLI) is a
key or a prefix of one ending before a ``:``: ``slo:availability`` matches both of its alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lockgate.errors import ConfigError
from lockgate.manifest.model import Manifest
from lockgate.manifest.reliability import SLO, AlertRule, Severity
from lockgate.monitor.alerts.slo import burn_windows, format_duration

SLO_SEVERITIES = (Severity.PAGE, Severity.TICKET)


@dataclass(frozen=True, slots=True)
class AlertDefinition:
    """One alert: its key, how loud, when it fires, who hears and where the runbook is."""

    key: str
    severity: Severity
    description: str
    for_: float
    repeat: float
    notify: tuple[str, ...]
    runbook: str | None = None
    version: str | None = None
    rule: AlertRule | None = None
    slo: SLO | None = None


def describe_rule(rule: AlertRule) -> str:
    """``error_rate > 0.05 over 5m for 30s (v2)``."""
    text = f"{rule.metric} {rule.op} {rule.threshold:g} over {format_duration(rule.window)}"
    if rule.for_:
        text += f" for {format_duration(rule.for_)}"
    return f"{text} ({rule.version})" if rule.version else text


def describe_slo(slo: SLO, severity: Severity) -> str:
    """``availability 99.5% over 28d: burn 14.4x over 56m/4m40s or 6x over 5h36m/28m``."""
    pairs = " or ".join(str(w) for w in burn_windows(slo.window) if w.severity is severity)
    return f"{slo.sli.value} {slo.objective:g}% over {format_duration(slo.window)}: burn {pairs}"


def _check_notify(owner: str, names: Iterable[str], known: set[str]) -> None:
    unknown = sorted(set(names) - known)
    if unknown:
        raise ConfigError(
            f"{owner} notifies {', '.join(unknown)}, which is not under `alerts.notifiers`; "
            "add the notifier or fix the name"
        )


def alert_definitions(
    manifest: Manifest, *, metrics: Iterable[str] | None = None
) -> tuple[AlertDefinition, ...]:
    """Every alert of ``manifest``; rule metrics are checked against ``metrics`` when given."""
    section = manifest.alerts
    known = {n.name for n in section.notifiers}
    names = frozenset(metrics) if metrics is not None else None
    found: list[AlertDefinition] = []
    for rule in section.rules:
        if names is not None and rule.metric not in names:
            raise ConfigError(
                f"rule {rule.name!r} uses the unknown metric {rule.metric!r}; "
                f"known metrics: {', '.join(sorted(names))}"
            )
        _check_notify(f"rule {rule.name!r}", rule.notify, known)
        repeat = rule.repeat_interval or section.repeat_interval
        found.append(
            AlertDefinition(
                rule.name,
                rule.severity,
                describe_rule(rule),
                rule.for_,
                repeat,
                tuple(rule.notify),
                rule.runbook,
                rule.version,
                rule=rule,
            )
        )
    seen: set[str] = set()
    for slo in manifest.slos:
        if slo.name in seen:
            raise ConfigError(f"SLO names must be unique; {slo.name!r} is repeated")
        seen.add(slo.name)
        _check_notify(f"SLO {slo.name!r}", slo.notify, known)
        found.extend(
            AlertDefinition(
                f"slo:{slo.name}:{severity.value}",
                severity,
                describe_slo(slo, severity),
                0.0,
                section.repeat_interval,
                tuple(slo.notify),
                slo.runbook,
                slo=slo,
            )
            for severity in SLO_SEVERITIES
        )
    return tuple(found)


def matches(matcher: str, key: str) -> bool:
    """``matcher`` names ``key`` itself or a ``:``-separated prefix of it."""
    return key == matcher or key.startswith(matcher + ":")


def choose(definitions: Sequence[AlertDefinition], matcher: str) -> list[AlertDefinition]:
    """The alerts ``matcher`` names; a bare SLO name works too (``availability``)."""
    chosen = [d for d in definitions if matches(matcher, d.key)]
    if not chosen:
        chosen = [d for d in definitions if matches(f"slo:{matcher}", d.key)]
    if not chosen:
        known = ", ".join(d.key for d in definitions) or "none"
        raise ConfigError(f"no alert is named {matcher!r}; alerts in the manifest: {known}")
    return chosen
