"""What a notifier sends and reports back, and the ``Notifier`` protocol channels implement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

from lockgate.manifest.reliability import Severity
from lockgate.privacy import Analyzer, redact_obj


class Kind(StrEnum):
    """Why a notification is sent."""

    FIRING = "firing"
    RESOLVED = "resolved"
    TEST = "test"


@dataclass(frozen=True, slots=True)
class Notification:
    """An alert notice, channel-neutral; each notifier renders it in its own shape."""

    alert: str
    service: str
    kind: Kind
    severity: Severity
    summary: str
    at: dt.datetime
    dedup_key: str
    version: str | None = None
    value: float | None = None
    runbook: str | None = None
    repeat: bool = False
    details: Mapping[str, Any] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """``[FIRING] page support-assistant/high-error-rate``."""
        return f"[{self.kind.value.upper()}] {self.severity.value} {self.service}/{self.alert}"

    def to_json(self) -> dict[str, Any]:
        """The generic webhook body."""
        return {
            "source": "lockgate",
            "type": f"alert.{self.kind.value}",
            "alert": self.alert,
            "service": self.service,
            "version": self.version,
            "severity": self.severity.value,
            "summary": self.summary,
            "value": self.value,
            "runbook": self.runbook,
            "repeat": self.repeat,
            "dedup_key": self.dedup_key,
            "at": self.at.isoformat(),
            "details": dict(self.details),
        }

    def redacted(self, analyzer: Analyzer | None = None) -> Notification:
        """A copy whose free text (summary, runbook, details) has PII replaced."""
        text = redact_obj(
            {"summary": self.summary, "runbook": self.runbook, "details": dict(self.details)},
            analyzer=analyzer,
        )
        return replace(
            self, summary=text["summary"], runbook=text["runbook"], details=text["details"]
        )


@dataclass(frozen=True, slots=True)
class Delivery:
    """Whether one notifier delivered one notification, and what it was told."""

    notifier: str
    delivered: bool
    detail: str
    attempts: int = 1


class Notifier(Protocol):
    """A notification channel. ``send`` reports failures as a ``Delivery``; it never raises."""

    @property
    def name(self) -> str:
        """The notifier's name in the manifest."""

    async def send(self, notification: Notification) -> Delivery:
        """Deliver ``notification`` (already redacted) with bounded retries."""
