"""Webhook notifications: JSON body, HMAC signature, failures reported after trying every hook."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from lockgate.manifest import load
from lockgate.rollout.errors import NotificationFailed
from lockgate.rollout.notify import (
    SIGNATURE_HEADER,
    Notice,
    NullNotifier,
    Webhook,
    WebhookNotifier,
    webhooks,
)
from tests.rollout.helpers import SERVICE, T0
from tests.support.gateway import manifest_dict, write_manifest
from tests.support.servers import run, serve

NOTICE = Notice(
    kind="rolled_back",
    rollout_id="r1",
    service=SERVICE,
    baseline="v1",
    candidate="v3",
    phase="aborting",
    reason="error_rate: candidate error rate 6.00 % is above baseline 2.00 %",
    at=T0,
    data={"verdict": {"status": "fail"}},
)


class Hooks:
    """A webhook receiver: /ok keeps bodies and headers, /broken answers 500."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, dict[str, str]]] = []
        self.app = Starlette(
            routes=[
                Route("/ok", self.ok, methods=["POST"]),
                Route("/broken", self.broken, methods=["POST"]),
            ]
        )

    async def ok(self, request: Request) -> Response:
        self.received.append((await request.body(), dict(request.headers)))
        return Response(status_code=204)

    async def broken(self, _request: Request) -> Response:
        return Response(status_code=500)


@pytest.fixture
def hooks() -> Iterator[tuple[Hooks, str]]:
    receiver = Hooks()
    with serve(receiver.app) as url:
        yield receiver, url


def test_notice_is_posted_as_signed_json(hooks: tuple[Hooks, str]) -> None:
    """The body carries the reason and numbers; the signature is the HMAC of the body."""
    receiver, url = hooks
    notifier = WebhookNotifier([Webhook("oncall", f"{url}/ok", secret=b"s3cret")])
    assert run(notifier.notify(NOTICE)) == 1
    body, headers = receiver.received[0]
    payload = json.loads(body)
    assert payload["type"] == "rollout.rolled_back" and payload["candidate"] == "v3"
    assert payload["reason"] == NOTICE.reason and payload["data"]["verdict"]["status"] == "fail"
    expected = "sha256=" + hmac.new(b"s3cret", body, hashlib.sha256).hexdigest()
    assert headers[SIGNATURE_HEADER] == expected


def test_a_failing_hook_is_reported_after_the_others_were_tried(hooks: tuple[Hooks, str]) -> None:
    """One hook answering 500 does not stop delivery to the next; the error names it."""
    receiver, url = hooks
    notifier = WebhookNotifier([Webhook("broken", f"{url}/broken"), Webhook("oncall", f"{url}/ok")])
    with pytest.raises(NotificationFailed, match="broken: HTTP 500"):
        run(notifier.notify(NOTICE))
    assert len(receiver.received) == 1
    assert SIGNATURE_HEADER not in receiver.received[0][1]


def test_manifest_webhooks_resolve_secrets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only webhook notifiers are used, with their secret read from the environment."""
    monkeypatch.setenv("HOOK_SECRET", "from-env")
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["alerts"] = {
        "notifiers": [
            {
                "name": "hook",
                "kind": "webhook",
                "url": "http://127.0.0.1:9/a",
                "secret": "${env:HOOK_SECRET}",
            },
            {"name": "mail", "kind": "email", "to": ["a@example.com"]},
        ]
    }
    notifier = webhooks(load(write_manifest(tmp_path, data)))
    assert notifier.hooks == (Webhook("hook", "http://127.0.0.1:9/a", b"from-env"),)
    assert run(WebhookNotifier([]).notify(NOTICE)) == 0
    assert run(NullNotifier().notify(NOTICE)) == 0
