"""Notifiers against real loopback receivers: signed webhook, Slack, PagerDuty, SMTP email."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from alerts_support import NOW, PII_CARD, PII_EMAIL, Receiver

from lockgate.errors import ConfigError
from lockgate.manifest.reliability import Notifier as NotifierSpec
from lockgate.manifest.reliability import Severity
from lockgate.monitor.alerts import (
    Dispatcher,
    EmailNotifier,
    HttpClient,
    Kind,
    Notification,
    PagerDutyNotifier,
    SlackNotifier,
    WebhookNotifier,
    build_notifier,
)
from tests.support.servers import free_port


def notification(kind: Kind = Kind.FIRING, summary: str = "error_rate is 0.12") -> Notification:
    return Notification(
        alert="high-error-rate",
        service="support-assistant",
        kind=kind,
        severity=Severity.PAGE,
        summary=summary,
        at=NOW,
        dedup_key="lockgate/support-assistant/high-error-rate/3",
        version="v2",
        value=0.12,
        runbook="upstream-down",
        details={"threshold": 0.05},
    )


def deliver(notifier: Any, note: Notification) -> Any:
    async def go() -> Any:
        try:
            return await notifier.send(note)
        finally:
            await http.close()

    http: HttpClient = notifier._http
    return asyncio.run(go())


def client() -> HttpClient:
    return HttpClient(timeout=2.0, attempts=3, backoff=0.01)


@dataclass
class Inbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[tuple[list[str], Message]] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    """A real SMTP server on loopback (aiosmtpd) and its port."""
    try:
        from aiosmtpd.controller import Controller
    except ModuleNotFoundError:
        pytest.fail(
            "aiosmtpd is not installed; it is a dev dependency (aiosmtpd>=1.4.6): "
            "reinstall the dev environment with `make install`"
        )
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def test_webhook_body_is_signed_with_the_resolved_secret(
    receiver: tuple[Receiver, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The body is JSON and X-Lockgate-Signature is the HMAC-SHA256 of the exact bytes sent."""
    recording, url = receiver
    monkeypatch.setenv("HOOK_SECRET", "s3cret-signing-key")
    spec = NotifierSpec(name="hook", kind="webhook", url=f"{url}/hook", secret="${env:HOOK_SECRET}")
    http = client()
    notifier = build_notifier(spec, http, base_dir=tmp_path)
    delivery = deliver(notifier, notification())
    assert (delivery.delivered, delivery.attempts) == (True, 1)
    [got] = recording.received
    expected = hmac.new(b"s3cret-signing-key", got.body, hashlib.sha256).hexdigest()
    assert got.headers["x-lockgate-signature"] == f"sha256={expected}"
    assert got.headers["content-type"] == "application/json"
    body = got.json
    assert body["type"] == "alert.firing"
    assert (body["alert"], body["service"], body["version"]) == (
        "high-error-rate",
        "support-assistant",
        "v2",
    )
    assert body["dedup_key"] == "lockgate/support-assistant/high-error-rate/3"
    assert "s3cret" not in got.body.decode()


def test_unsigned_webhook_has_no_signature(receiver: tuple[Receiver, str]) -> None:
    """Without a secret there is no signature header."""
    recording, url = receiver
    deliver(WebhookNotifier("hook", f"{url}/hook", client()), notification())
    assert "x-lockgate-signature" not in recording.received[0].headers


def test_retries_server_errors_then_delivers(receiver: tuple[Receiver, str]) -> None:
    """500 and 503 are retried; the third attempt's 202 is a delivery."""
    recording, url = receiver
    recording.statuses = [500, 503]
    delivery = deliver(WebhookNotifier("hook", f"{url}/hook", client()), notification())
    assert (delivery.delivered, delivery.attempts, delivery.detail) == (True, 3, "HTTP 202")
    assert len(recording.received) == 3


def test_client_errors_are_final_and_retries_are_bounded(receiver: tuple[Receiver, str]) -> None:
    """A 400 is not retried; persistent 500s stop after the configured attempts."""
    recording, url = receiver
    recording.statuses = [400]
    refused = deliver(WebhookNotifier("hook", f"{url}/hook", client()), notification())
    assert (refused.delivered, refused.attempts, refused.detail) == (False, 1, "HTTP 400")
    recording.statuses = [500] * 5
    failing = deliver(WebhookNotifier("hook", f"{url}/hook", client()), notification())
    assert (failing.delivered, failing.attempts) == (False, 3)
    assert len(recording.received) == 1 + 3


def test_unreachable_receiver_is_a_failed_delivery() -> None:
    """Nothing listening: the delivery fails with the connection error, it does not raise."""
    url = f"http://127.0.0.1:{free_port()}/hook"
    delivery = deliver(WebhookNotifier("hook", url, client()), notification())
    assert not delivery.delivered
    assert "Connect" in delivery.detail


def test_slack_message_shape(receiver: tuple[Receiver, str]) -> None:
    """Slack gets `text` plus `blocks`: a header, the summary, fields and the runbook."""
    recording, url = receiver
    note = notification(summary="p95 is <slow> & rising")
    deliver(SlackNotifier("slack", f"{url}/slack", client()), note)
    body = recording.received[0].json
    assert set(body) == {"text", "blocks"}
    assert body["text"].startswith("[FIRING] page support-assistant/high-error-rate")
    types = [block["type"] for block in body["blocks"]]
    assert types == ["header", "section", "section", "context"]
    assert body["blocks"][0]["text"]["type"] == "plain_text"
    assert body["blocks"][1]["text"] == {
        "type": "mrkdwn",
        "text": "p95 is &lt;slow&gt; &amp; rising",
    }
    fields = [f["text"] for f in body["blocks"][2]["fields"]]
    assert fields == [
        "*Service*\nsupport-assistant",
        "*Version*\nv2",
        "*Severity*\npage",
        "*Value*\n0.12",
    ]
    assert "upstream-down" in body["blocks"][3]["elements"][0]["text"]


def test_pagerduty_trigger_resolve_and_test(receiver: tuple[Receiver, str]) -> None:
    """Events API v2: trigger with a payload, resolve with the same dedup key, a test does both."""
    recording, url = receiver
    key = "0123456789abcdef0123456789abcdef"

    def pd() -> PagerDutyNotifier:
        return PagerDutyNotifier("pd", key, client(), url=f"{url}/v2/enqueue")

    deliver(pd(), notification())
    deliver(pd(), notification(Kind.RESOLVED))
    test = deliver(pd(), notification(Kind.TEST))
    assert test.delivered
    assert test.attempts == 2
    trigger, resolve, test_trigger, test_resolve = (r.json for r in recording.received)
    assert trigger["routing_key"] == key
    assert trigger["event_action"] == "trigger"
    assert trigger["dedup_key"] == "lockgate/support-assistant/high-error-rate/3"
    payload = trigger["payload"]
    assert set(payload) >= {"summary", "severity", "source", "custom_details"}
    assert (payload["severity"], payload["source"]) == ("critical", "lockgate/support-assistant")
    assert payload["custom_details"]["value"] == 0.12
    assert resolve == {
        "routing_key": key,
        "event_action": "resolve",
        "dedup_key": trigger["dedup_key"],
    }
    assert (test_trigger["event_action"], test_resolve["event_action"]) == ("trigger", "resolve")
    assert test_trigger["dedup_key"] == test_resolve["dedup_key"]


def test_email_reaches_a_real_smtp_server(smtp: tuple[Inbox, int]) -> None:
    """The email arrives with the title as subject and the numbers in the body."""
    inbox, port = smtp
    notifier = EmailNotifier(
        "mail", host="127.0.0.1", port=port, to=["oncall@example.org"], sender="lg@example.org"
    )
    delivery = asyncio.run(notifier.send(notification()))
    assert delivery.delivered, delivery.detail
    [(recipients, mail)] = inbox.messages
    assert recipients == ["oncall@example.org"]
    assert mail["Subject"] == "[FIRING] page support-assistant/high-error-rate"
    assert mail["From"] == "lg@example.org"
    text = mail.get_payload(decode=True).decode()
    assert "value:    0.12" in text
    assert "runbook:  upstream-down" in text


def test_unreachable_smtp_server_fails_after_bounded_attempts() -> None:
    """No SMTP server: three attempts, then a failed delivery with the reason."""
    notifier = EmailNotifier(
        "mail", host="127.0.0.1", port=free_port(), to=["a@example.org"], timeout=1, backoff=0.01
    )
    delivery = asyncio.run(notifier.send(notification()))
    assert (delivery.delivered, delivery.attempts) == (False, 3)
    assert "Connection" in delivery.detail


def test_planted_pii_never_reaches_any_receiver(
    receiver: tuple[Receiver, str], smtp: tuple[Inbox, int]
) -> None:
    """An email address and a card number in an alert are redacted for every channel."""
    recording, url = receiver
    inbox, port = smtp
    http = client()
    dispatcher = Dispatcher(
        {
            "hook": WebhookNotifier("hook", f"{url}/hook", http, secret=b"k"),
            "slack": SlackNotifier("slack", f"{url}/slack", http),
            "pd": PagerDutyNotifier("pd", "routing-key", http, url=f"{url}/pd"),
            "mail": EmailNotifier("mail", host="127.0.0.1", port=port, to=["oncall@example.org"]),
        }
    )
    leaky = Notification(
        alert="handoffs",
        service="support-assistant",
        kind=Kind.FIRING,
        severity=Severity.TICKET,
        summary=f"hand-off for {PII_EMAIL} paying with {PII_CARD}",
        at=NOW,
        dedup_key="lockgate/support-assistant/handoffs/1",
        runbook=f"call {PII_EMAIL}",
        details={"last_message": f"my card is {PII_CARD}", "nested": [{"who": PII_EMAIL}]},
    )

    async def go() -> list[Any]:
        try:
            return await dispatcher.send(leaky, ["hook", "slack", "pd", "mail", "nobody"])
        finally:
            await http.close()

    deliveries = asyncio.run(go())
    assert [d.delivered for d in deliveries] == [True, True, True, True, False]
    assert deliveries[-1].notifier == "nobody"
    bodies = [r.body.decode() for r in recording.received]
    bodies += [mail.as_string() for _, mail in inbox.messages]
    assert len(bodies) == 4
    digits = PII_CARD.replace(" ", "")
    for body in bodies:
        assert PII_EMAIL not in body
        assert PII_CARD not in body
        assert digits not in body
        assert "hand-off for" in body


def test_notifier_without_its_required_field_is_a_config_error(tmp_path: Path) -> None:
    """A PagerDuty notifier without routing_key, or email without smtp_host, is refused."""
    http = client()
    with pytest.raises(ConfigError, match="routing_key"):
        build_notifier(NotifierSpec(name="pd", kind="pagerduty"), http, base_dir=tmp_path)
    with pytest.raises(ConfigError, match="smtp_host"):
        build_notifier(
            NotifierSpec(name="m", kind="email", to=["a@example.org"]), http, base_dir=tmp_path
        )
