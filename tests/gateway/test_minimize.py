"""``data.privacy.minimize`` in a real gateway: placeholders go upstream, values come back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from tests.privacy.store.echo import echo_upstream
from tests.privacy.store.support import EMAIL, MESSAGE, PHONE, PLANTED, SERVICE, leaks
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
HISTORY = [
    {"role": "system", "content": f"Escalations go to {EMAIL}."},
    {"role": "user", "content": f"Call me at {PHONE}"},
    {"role": "assistant", "content": f"Sure, I will call {PHONE}."},
    {"role": "user", "content": MESSAGE},
]


class RecordingEcho:
    """The echoing upstream, keeping every request body it received."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await echo_upstream(scope, receive, send)
            return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        self.bodies.append(body)

        async def replay() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        await echo_upstream(scope, replay, send)


def _gateway(tmp_path: Path, upstream: str, *, minimize: bool) -> Any:
    data = manifest_dict({"v1": upstream}, service=SERVICE)
    data["data"] = {"privacy": {"minimize": minimize}}
    return running_gateway(tmp_path, data)


@pytest.fixture
def echo(tmp_path: Path) -> Iterator[tuple[Gateway, RecordingEcho]]:
    """A minimizing gateway in front of the recording echo."""
    upstream = RecordingEcho()
    with serve(upstream) as url, _gateway(tmp_path, url, minimize=True) as gw:
        yield gw, upstream


def _headers(gw: Gateway) -> dict[str, str]:
    return {"authorization": f"Bearer {gw.key()}"}


def _streamed(response: httpx.Response) -> tuple[str, bytes]:
    raw = b"".join(response.iter_bytes())
    events = [orjson.loads(line[6:]) for line in raw.split(b"\n") if line.startswith(b"data: {")]
    return "".join(c["delta"].get("content") or "" for e in events for c in e["choices"]), raw


def test_plain_answer_is_restored_and_upstream_sees_no_value(
    echo: tuple[Gateway, RecordingEcho],
) -> None:
    """A non-streamed chat: placeholders go up, the echoed answer comes back with the values."""
    gw, upstream = echo
    body = {"model": SERVICE, "messages": HISTORY, "temperature": 0.2}
    response = httpx.post(gw.url + CHAT, json=body, headers=_headers(gw))
    assert response.status_code == 200, response.text
    assert response.json()["choices"][0]["message"]["content"] == f"Noted: {MESSAGE}"
    (sent,) = upstream.bodies
    assert leaks(sent, PLANTED) == []
    forwarded = orjson.loads(sent)
    assert forwarded["temperature"] == 0.2
    assert forwarded["messages"][0]["content"] == "Escalations go to <EMAIL_1>."
    assert forwarded["messages"][2]["content"] == "Sure, I will call <PHONE_1>."


def test_streamed_answer_is_restored_across_chunks(echo: tuple[Gateway, RecordingEcho]) -> None:
    """The echo cuts placeholders into three-character deltas; the user still gets the values."""
    gw, upstream = echo
    body = {"model": SERVICE, "messages": HISTORY, "stream": True}
    with httpx.stream("POST", gw.url + CHAT, json=body, headers=_headers(gw)) as response:
        assert response.status_code == 200
        text, raw = _streamed(response)
    assert text == f"Noted: {MESSAGE}"
    assert raw.rstrip().endswith(b"data: [DONE]")
    (sent,) = upstream.bodies
    assert leaks(sent, PLANTED) == []
    assert b"<EMAIL_1>" in sent


def test_without_minimize_the_upstream_receives_the_values(tmp_path: Path) -> None:
    """The control: with ``minimize: false`` the same request carries the values upstream."""
    upstream = RecordingEcho()
    with serve(upstream) as url, _gateway(tmp_path, url, minimize=False) as gw:
        body = {"model": SERVICE, "messages": HISTORY}
        response = httpx.post(gw.url + CHAT, json=body, headers=_headers(gw))
    assert response.json()["choices"][0]["message"]["content"] == f"Noted: {MESSAGE}"
    assert leaks(upstream.bodies[0], PLANTED) == list(PLANTED)


def test_upstream_answers_without_placeholders_pass_unchanged(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str]
) -> None:
    """A scripted upstream's own answer reaches the user as it is, streaming or not."""
    upstream, url = scripted
    with _gateway(tmp_path, url, minimize=True) as gw:
        body = {"model": SERVICE, "messages": HISTORY}
        plain = httpx.post(gw.url + CHAT, json=body, headers=_headers(gw))
        with httpx.stream(
            "POST", gw.url + CHAT, json={**body, "stream": True}, headers=_headers(gw)
        ) as response:
            text, _ = _streamed(response)
    assert plain.json()["choices"][0]["message"]["content"] == "hello from upstream"
    assert text == "hello from upstream"
    assert len(upstream.seen) == 2
    for seen in upstream.seen:
        assert leaks(seen.body, PLANTED) == []
