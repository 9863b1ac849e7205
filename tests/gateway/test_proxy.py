"""The happy paths: forwarding, streaming, headers, trace context, invoke, request log, models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from sqlalchemy import select

from lockgate.store.tables import RequestLogEntry
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


@pytest.fixture
def gateway(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], db_url: str
) -> Iterator[tuple[Gateway, ScriptedUpstream]]:
    upstream, url = scripted
    data = manifest_dict({"v1": url})
    data["versions"]["v1"]["headers"] = {"Authorization": "Bearer ${env:LG_TEST_UPSTREAM_KEY}"}
    data["versions"]["v1"]["upstream_model"] = "tiny-model"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LG_TEST_UPSTREAM_KEY", "upstream-secret")
        with running_gateway(tmp_path, data, db_url=db_url) as gw:
            yield gw, upstream


def _log_rows(gw: Gateway) -> list[RequestLogEntry]:
    with gw.store.transaction() as session:
        return list(session.scalars(select(RequestLogEntry).order_by(RequestLogEntry.id)))


def test_chat_is_forwarded_with_headers_and_recorded(
    gateway: tuple[Gateway, ScriptedUpstream],
) -> None:
    """A chat request reaches the upstream with trace context and secrets; the log records it."""
    gw, upstream = gateway
    key = gw.key()
    response = httpx.post(
        gw.url + CHAT,
        json=GOOD,
        headers={"authorization": f"Bearer {key}", "traceparent": TRACEPARENT},
    )
    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "hello from upstream"
    request_id = response.headers["x-lockgate-request-id"]
    assert response.headers["x-lockgate-service"] == "support-assistant"
    assert response.headers["x-lockgate-version"] == "v1"
    seen = upstream.seen[-1]
    assert seen.path == "/v1/chat/completions"
    assert seen.headers["traceparent"] == TRACEPARENT  # no span exporter: context passes through
    assert seen.headers["authorization"] == "Bearer upstream-secret"
    assert key not in str(seen.headers)
    assert orjson.loads(seen.body)["model"] == "tiny-model"

    wait_until(lambda: len(_log_rows(gw)) == 1)
    row = _log_rows(gw)[0]
    assert row.request_id == request_id
    assert (row.service, row.version, row.status, row.route) == (
        "support-assistant",
        "v1",
        200,
        "chat",
    )
    assert (row.prompt_tokens, row.completion_tokens) == (7, 3)
    assert row.key_id == key.split("_")[1]
    assert row.latency_ms >= row.upstream_ms > 0  # type: ignore[operator]


def test_streaming_is_relayed_chunk_by_chunk(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """`stream: true` relays SSE events as they come and records the streamed usage."""
    gw, _ = gateway
    auth = {"authorization": f"Bearer {gw.key()}"}
    events = []
    with httpx.stream("POST", gw.url + CHAT, json={**GOOD, "stream": True}, headers=auth) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        assert resp.headers["x-lockgate-version"] == "v1"
        events = [line for line in resp.iter_lines() if line.startswith("data: ")]
    assert events[-1] == "data: [DONE]"
    text = "".join(
        orjson.loads(e[6:])["choices"][0]["delta"]["content"]
        for e in events[:-1]
        if orjson.loads(e[6:])["choices"]
    )
    assert text == "hello from upstream"
    wait_until(lambda: len(_log_rows(gw)) == 1)
    row = _log_rows(gw)[0]
    assert row.stream is True
    assert (row.prompt_tokens, row.completion_tokens) == (7, 3)


def test_stream_that_dies_midway_ends_with_an_error_event(
    gateway: tuple[Gateway, ScriptedUpstream],
) -> None:
    """An upstream dying mid-stream ends the client's stream cleanly with an error event."""
    gw, upstream = gateway
    upstream.mode = "die_midstream"
    auth = {"authorization": f"Bearer {gw.key()}"}
    with httpx.stream("POST", gw.url + CHAT, json={**GOOD, "stream": True}, headers=auth) as resp:
        lines = [line for line in resp.iter_lines() if line.startswith("data: ")]
    assert "hello" in lines[0]
    assert orjson.loads(lines[-1][6:])["error"]["code"].startswith("upstream")
    wait_until(lambda: len(_log_rows(gw)) == 1)
    assert _log_rows(gw)[0].error_code is not None


def test_invoke_passes_any_json(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """The invoke endpoint posts the body unchanged to the version's invoke path."""
    gw, upstream = gateway
    auth = {"authorization": f"Bearer {gw.key()}"}
    url = gw.url + "/v1/services/support-assistant/invoke"
    response = httpx.post(url, json={"text": "where is my order", "n": 3}, headers=auth)
    assert response.status_code == 200
    assert response.json()["echo"] == {"text": "where is my order", "n": 3}
    assert upstream.seen[-1].path == "/invoke"
    assert response.headers["x-lockgate-version"] == "v1"


def test_models_lists_callable_services(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """/v1/models lists the service for an unrestricted key, in OpenAI's shape."""
    gw, _ = gateway
    auth = {"authorization": f"Bearer {gw.key()}"}
    body = httpx.get(gw.url + "/v1/models", headers=auth).json()
    assert body["object"] == "list"
    assert [m["id"] for m in body["data"]] == ["support-assistant"]


def test_health_and_readiness(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """/healthz says the process is up; /readyz checks the store, config and keys."""
    gw, _ = gateway
    assert httpx.get(gw.url + "/healthz").json() == {"status": "ok"}
    ready = httpx.get(gw.url + "/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "store": True,
        "config": True,
        "keys": True,
        "flags_fresh": True,
    }
