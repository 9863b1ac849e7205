"""``slos`` and ``alerts``: what "working" means and who hears when it stops."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from lockgate.manifest.base import Section
from lockgate.manifest.types import Duration, Name


class SLIKind(StrEnum):
    """What an SLO measures."""

    AVAILABILITY = "availability"
    LATENCY = "latency"
    QUALITY = "quality"


class SLO(Section):
    """A service level objective with its error budget window."""

    name: Name
    sli: SLIKind
    objective: float = Field(gt=0, lt=100, description="Percent of good events, e.g. 99.5.")
    window: Duration = Field(default=28 * 86400.0, description="Error budget window.")
    threshold: Duration | None = Field(
        default=None, description="Latency SLI: a request is good when faster than this."
    )
    min_score: float | None = Field(
        default=None, description="Quality SLI: an answer is good when its score reaches this."
    )
    runbook: str | None = None
    notify: list[str] = Field(
        default_factory=list, description="Notifier names for the SLO's burn-rate alerts."
    )

    @model_validator(mode="after")
    def _latency_needs_threshold(self) -> SLO:
        if self.sli is SLIKind.LATENCY and self.threshold is None:
            raise ValueError("a latency SLO needs `threshold`, e.g. threshold: 800ms")
        return self


class Severity(StrEnum):
    """How loud an alert is."""

    PAGE = "page"
    TICKET = "ticket"
    INFO = "info"


class NotifierKind(StrEnum):
    """Where notifications go."""

    WEBHOOK = "webhook"
    SLACK = "slack"
    PAGERDUTY = "pagerduty"
    EMAIL = "email"


class Notifier(Section):
    """A notification channel; secrets as references only."""

    name: Name
    kind: NotifierKind
    url: str | None = None
    secret: str | None = Field(default=None, description="HMAC signing key, as a reference.")
    routing_key: str | None = Field(default=None, description="PagerDuty routing key reference.")
    to: list[str] = Field(default_factory=list, description="Email recipients.")
    smtp_host: str | None = None
    smtp_port: int = 25
    sender: str | None = Field(default=None, description="Email From address.")


class AlertRule(Section):
    """A threshold rule on a gateway metric."""

    name: Name
    metric: str = Field(description="error_rate, latency_p95, fallback_rate, drift_score, ...")
    op: Literal[">", ">=", "<", "<="] = ">"
    threshold: float
    window: Duration = 300.0
    for_: Duration = Field(default=0.0, alias="for", description="Must hold this long to fire.")
    severity: Severity = Severity.TICKET
    version: str | None = Field(default=None, description="Limit to one version.")
    notify: list[str] = Field(default_factory=list, description="Notifier names.")
    runbook: str | None = None
    repeat_interval: Duration | None = Field(
        default=None, description="Re-notify a firing alert this often (default: the section's)."
    )


class AlertsSection(Section):
    """Alert rules and the channels they notify."""

    notifiers: list[Notifier] = Field(default_factory=list)
    rules: list[AlertRule] = Field(default_factory=list)
    interval: Duration = Field(default=30.0, gt=0, description="How often rules are evaluated.")
    repeat_interval: Duration = Field(
        default=4 * 3600.0, gt=0, description="Re-notify a firing alert this often."
    )

    @model_validator(mode="after")
    def _names_resolve(self) -> AlertsSection:
        for kind, names in (
            ("notifier", [n.name for n in self.notifiers]),
            ("rule", [r.name for r in self.rules]),
        ):
            twice = sorted({name for name in names if names.count(name) > 1})
            if twice:
                raise ValueError(f"{kind} names must be unique; repeated: {', '.join(twice)}")
        known = {notifier.name for notifier in self.notifiers}
        for rule in self.rules:
            unknown = [name for name in rule.notify if name not in known]
            if unknown:
                raise ValueError(
                    f"rule {rule.name!r} notifies {', '.join(unknown)}, which is not under "
                    "`alerts.notifiers`; add the notifier or fix the name"
                )
        return self
