"""Notifiers built from the manifest, and the dispatcher that redacts and fans notices out."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from pathlib import Path

from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest
from lockgate.manifest.reliability import Notifier as NotifierSpec
from lockgate.manifest.reliability import NotifierKind
from lockgate.manifest.secrets import resolve
from lockgate.monitor.alerts.channels import (
    PAGERDUTY_URL,
    PagerDutyNotifier,
    SlackNotifier,
    WebhookNotifier,
)
from lockgate.monitor.alerts.http import HttpClient
from lockgate.monitor.alerts.notification import Delivery, Notification, Notifier
from lockgate.monitor.alerts.smtp import DEFAULT_SENDER, EmailNotifier
from lockgate.privacy import Analyzer, default_analyzer


def _need(spec: NotifierSpec, field: str, value: object) -> None:
    if not value:
        raise ConfigError(
            f"notifier {spec.name!r} ({spec.kind.value}) needs `{field}`; add it under "
            "alerts.notifiers"
        )


def build_notifier(spec: NotifierSpec, http: HttpClient, *, base_dir: Path | None) -> Notifier:
    """One notifier from its manifest entry; references in URLs and secrets are resolved now."""
    if spec.kind is NotifierKind.WEBHOOK:
        _need(spec, "url", spec.url)
        assert spec.url is not None
        secret = resolve(spec.secret, base_dir=base_dir).encode() if spec.secret else None
        return WebhookNotifier(spec.name, resolve(spec.url, base_dir=base_dir), http, secret=secret)
    if spec.kind is NotifierKind.SLACK:
        _need(spec, "url", spec.url)
        assert spec.url is not None
        return SlackNotifier(spec.name, resolve(spec.url, base_dir=base_dir), http)
    if spec.kind is NotifierKind.PAGERDUTY:
        _need(spec, "routing_key", spec.routing_key)
        assert spec.routing_key is not None
        key = resolve(spec.routing_key, base_dir=base_dir)
        url = resolve(spec.url, base_dir=base_dir) if spec.url else PAGERDUTY_URL
        return PagerDutyNotifier(spec.name, key, http, url=url)
    _need(spec, "to", spec.to)
    _need(spec, "smtp_host", spec.smtp_host)
    assert spec.smtp_host is not None
    return EmailNotifier(
        spec.name,
        host=spec.smtp_host,
        port=spec.smtp_port,
        to=spec.to,
        sender=spec.sender or DEFAULT_SENDER,
    )


def build_notifiers(loaded: LoadedManifest, http: HttpClient) -> dict[str, Notifier]:
    """Every notifier under ``alerts.notifiers``, by name."""
    return {
        spec.name: build_notifier(spec, http, base_dir=loaded.base_dir)
        for spec in loaded.manifest.alerts.notifiers
    }


class Dispatcher:
    """Redacts a notification once, then sends it to the named notifiers concurrently."""

    def __init__(
        self, notifiers: Mapping[str, Notifier], *, analyzer: Analyzer | None = None
    ) -> None:
        self.notifiers = dict(notifiers)
        self._analyzer = analyzer

    def _active_analyzer(self) -> Analyzer:
        if self._analyzer is None:
            self._analyzer = default_analyzer()
        return self._analyzer

    async def send(self, notification: Notification, to: Sequence[str]) -> list[Delivery]:
        """Deliver to each of ``to``; an unknown name is a failed delivery, not an exception."""
        if not to:
            return []
        clean = notification.redacted(self._active_analyzer())
        known = [self.notifiers[name] for name in to if name in self.notifiers]
        sent = await asyncio.gather(*(notifier.send(clean) for notifier in known))
        unknown = [
            Delivery(name, delivered=False, detail="no such notifier under alerts.notifiers")
            for name in to
            if name not in self.notifiers
        ]
        return [*sent, *unknown]
