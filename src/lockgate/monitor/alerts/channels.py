"""HTTP notification channels: a signed generic webhook, Slack, and PagerDuty Events API v2."""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from lockgate.manifest.reliability import Severity
from lockgate.monitor.alerts.http import HttpClient
from lockgate.monitor.alerts.notification import Delivery, Kind, Notification

SIGNATURE_HEADER = "X-Lockgate-Signature"
PAGERDUTY_URL = "https://events.pagerduty.com/v2/enqueue"
PAGERDUTY_SEVERITY = {Severity.PAGE: "critical", Severity.TICKET: "warning", Severity.INFO: "info"}
_JSON = {"Content-Type": "application/json"}


def encode(body: dict[str, Any]) -> bytes:
    """Compact, key-sorted JSON: the exact bytes that are signed and sent."""
    return json.dumps(body, separators=(",", ":"), sort_keys=True, default=str).encode()


def sign(secret: bytes, body: bytes) -> str:
    """``sha256=<hex HMAC-SHA256 of body>``."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


class WebhookNotifier:
    """POSTs the notification as JSON, signed when the notifier has a secret."""

    def __init__(self, name: str, url: str, http: HttpClient, *, secret: bytes | None = None):
        self._name, self.url, self._http, self._secret = name, url, http, secret

    @property
    def name(self) -> str:
        """The notifier's name."""
        return self._name

    def body(self, notification: Notification) -> bytes:
        """The request body."""
        return encode(notification.to_json())

    async def send(self, notification: Notification) -> Delivery:
        """POST the body with ``X-Lockgate-Signature`` when signed."""
        body = self.body(notification)
        headers = dict(_JSON)
        if self._secret is not None:
            headers[SIGNATURE_HEADER] = sign(self._secret, body)
        return await self._http.post(self._name, self.url, body, headers)


def _escape(text: str) -> str:
    """Slack mrkdwn control characters."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_body(notification: Notification) -> dict[str, Any]:
    """``{"text": ..., "blocks": [...]}`` for a Slack-compatible incoming webhook."""
    n = notification
    value = "no data" if n.value is None else f"{n.value:.4g}"
    fields = [
        ("Service", n.service),
        ("Version", n.version or "all"),
        ("Severity", n.severity.value),
        ("Value", value),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": n.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _escape(n.summary)}},
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*{label}*\n{_escape(text)}"} for label, text in fields
            ],
        },
    ]
    if n.runbook:
        blocks.append(
            {
                "type": "context",
                "elements": [{"type": "mrkdwn", "text": f"Runbook: {_escape(n.runbook)}"}],
            }
        )
    return {"text": f"{n.title}: {n.summary}", "blocks": blocks}


class SlackNotifier:
    """POSTs a Slack message (text plus blocks) to an incoming-webhook URL."""

    def __init__(self, name: str, url: str, http: HttpClient) -> None:
        self._name, self.url, self._http = name, url, http

    @property
    def name(self) -> str:
        """The notifier's name."""
        return self._name

    async def send(self, notification: Notification) -> Delivery:
        """POST the Slack body."""
        body = encode(slack_body(notification))
        return await self._http.post(self._name, self.url, body, _JSON)


def pagerduty_body(notification: Notification, routing_key: str, action: str) -> dict[str, Any]:
    """A PagerDuty Events API v2 event: ``trigger`` carries a payload, ``resolve`` only the key."""
    n = notification
    body: dict[str, Any] = {
        "routing_key": routing_key,
        "event_action": action,
        "dedup_key": n.dedup_key,
    }
    if action == "trigger":
        body["client"] = "Lockgate"
        body["payload"] = {
            "summary": f"{n.title}: {n.summary}"[:1024],
            "severity": PAGERDUTY_SEVERITY[n.severity],
            "source": f"lockgate/{n.service}",
            "component": n.version or n.service,
            "group": n.service,
            "class": n.alert,
            "timestamp": n.at.isoformat(),
            "custom_details": {**dict(n.details), "value": n.value, "runbook": n.runbook},
        }
    return body


class PagerDutyNotifier:
    """Triggers and resolves PagerDuty incidents; a test triggers, then resolves at once."""

    def __init__(
        self, name: str, routing_key: str, http: HttpClient, *, url: str = PAGERDUTY_URL
    ) -> None:
        self._name, self._key, self._http, self.url = name, routing_key, http, url

    @property
    def name(self) -> str:
        """The notifier's name."""
        return self._name

    async def _event(self, notification: Notification, action: str) -> Delivery:
        body = encode(pagerduty_body(notification, self._key, action))
        return await self._http.post(self._name, self.url, body, _JSON)

    async def send(self, notification: Notification) -> Delivery:
        """Trigger for firing, resolve for resolved; a test does both with one dedup key."""
        if notification.kind is Kind.RESOLVED:
            return await self._event(notification, "resolve")
        delivery = await self._event(notification, "trigger")
        if notification.kind is not Kind.TEST or not delivery.delivered:
            return delivery
        resolved = await self._event(notification, "resolve")
        attempts = delivery.attempts + resolved.attempts
        detail = f"trigger {delivery.detail}, resolve {resolved.detail}"
        return Delivery(self._name, resolved.delivered, detail, attempts)
