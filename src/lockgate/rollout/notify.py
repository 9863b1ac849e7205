"""Telling people what a rollout did: a ``Notifier`` protocol and webhook delivery.

Webhooks receive the notice as a JSON body. When the notifier has a ``secret`` the body is signed:
``x-lockgate-signature: sha256=<hex HMAC-SHA256 of the body>``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import aiohttp

from lockgate.manifest import LoadedManifest
from lockgate.manifest.reliability import NotifierKind
from lockgate.manifest.secrets import resolve
from lockgate.rollout.errors import NotificationFailed

SIGNATURE_HEADER = "x-lockgate-signature"


@dataclass(frozen=True, slots=True)
class Notice:
    """Something about a rollout worth telling people, with the numbers behind it."""

    kind: str
    rollout_id: str
    service: str
    baseline: str
    candidate: str
    phase: str
    reason: str
    at: dt.datetime
    data: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The webhook body."""
        return {
            "source": "lockgate",
            "type": f"rollout.{self.kind}",
            "rollout_id": self.rollout_id,
            "service": self.service,
            "baseline": self.baseline,
            "candidate": self.candidate,
            "phase": self.phase,
            "reason": self.reason,
            "at": self.at.isoformat(),
            "data": self.data,
        }


class Notifier(Protocol):
    """Delivers rollout notices; raises ``NotificationFailed`` when a channel refused one."""

    async def notify(self, notice: Notice) -> int:
        """Deliver ``notice``; returns how many channels accepted it."""


class NullNotifier:
    """Delivers nothing (no notifier configured)."""

    async def notify(self, notice: Notice) -> int:
        """Drop ``notice``."""
        del notice
        return 0


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook endpoint and its optional signing key."""

    name: str
    url: str
    secret: bytes | None = None


def sign(secret: bytes, body: bytes) -> str:
    """The signature header value for ``body``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    """POSTs every notice to each webhook; tries them all, then reports the ones that failed."""

    def __init__(self, hooks: Sequence[Webhook], *, timeout: float = 5.0) -> None:
        self.hooks = tuple(hooks)
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def notify(self, notice: Notice) -> int:
        """Deliver ``notice`` to every webhook; returns how many accepted it."""
        if not self.hooks:
            return 0
        body = json.dumps(notice.to_json(), separators=(",", ":"), sort_keys=True).encode()
        failures: list[str] = []
        async with aiohttp.ClientSession(timeout=self._timeout) as session:
            for hook in self.hooks:
                headers = {"content-type": "application/json"}
                if hook.secret is not None:
                    headers[SIGNATURE_HEADER] = sign(hook.secret, body)
                try:
                    async with session.post(hook.url, data=body, headers=headers) as response:
                        if response.status >= 300:
                            failures.append(f"{hook.name}: HTTP {response.status}")
                except (TimeoutError, aiohttp.ClientError) as exc:
                    failures.append(f"{hook.name}: {type(exc).__name__}")
        if failures:
            raise NotificationFailed(
                f"rollout notice not delivered to {'; '.join(failures)}; check alerts.notifiers"
            )
        return len(self.hooks)


def webhooks(loaded: LoadedManifest) -> WebhookNotifier:
    """A notifier for the manifest's ``alerts.notifiers`` of kind webhook (secrets resolved)."""
    hooks = [
        Webhook(
            name=spec.name,
            url=spec.url,
            secret=resolve(spec.secret, base_dir=loaded.base_dir).encode() if spec.secret else None,
        )
        for spec in loaded.manifest.alerts.notifiers
        if spec.kind is NotifierKind.WEBHOOK and spec.url
    ]
    return WebhookNotifier(hooks)
