"""Fallback chains through real gateways: another version, static answers, human hand-off."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lockgate.gateway.router import RouteContext
from lockgate.store import handoffs
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import free_port, serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


class HumanChannel:
    """A webhook receiver standing in for the support team's ticket system."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

        async def receive(request: Request) -> JSONResponse:
            self.received.append(await request.json())
            return JSONResponse({"ok": True})

        self.app = Starlette(routes=[Route("/handoff", receive, methods=["POST"])])


@pytest.fixture
def channel() -> Iterator[tuple[HumanChannel, str]]:
    human = HumanChannel()
    with serve(human.app) as url:
        yield human, url + "/handoff"


def _chain(webhook: str | None) -> list[dict[str, Any]]:
    return [
        {"action": "retry", "attempts": 1, "budget": 0.5},
        {"action": "version", "version": "v1"},
        {"action": "handoff", "webhook": webhook},
    ]


@pytest.fixture
def two_versions(
    tmp_path: Path, channel: tuple[HumanChannel, str]
) -> Iterator[tuple[Gateway, ScriptedUpstream, ScriptedUpstream]]:
    stable, candidate = ScriptedUpstream(), ScriptedUpstream()
    with serve(stable) as stable_url, serve(candidate) as candidate_url:
        data = manifest_dict({"v1": stable_url, "v2": candidate_url}, stable="v2")
        data["fallback"] = {
            "chain": _chain(channel[1]),
            "circuit_breaker": {"min_requests": 5, "failure_rate": 0.5, "open_for": 30},
        }
        with running_gateway(tmp_path, data) as gw:
            yield gw, stable, candidate


def test_5xx_falls_back_to_another_version(
    two_versions: tuple[Gateway, ScriptedUpstream, ScriptedUpstream],
) -> None:
    """When the routed version fails, the previous version answers and the header says so."""
    gw, stable, candidate = two_versions
    candidate.mode = "error500"
    auth = {"authorization": f"Bearer {gw.key()}"}
    response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
    assert response.status_code == 200
    assert response.headers["x-lockgate-fallback"] == "version:v1"
    assert response.headers["x-lockgate-version"] == "v1"
    assert len(candidate.seen) == 2  # the call and one retry within the budget
    assert len(stable.seen) == 1


def test_retry_answers_a_transient_failure(
    two_versions: tuple[Gateway, ScriptedUpstream, ScriptedUpstream],
) -> None:
    """One transient 503 is absorbed by the retry action."""
    gw, stable, candidate = two_versions
    candidate.fail_next = 1
    auth = {"authorization": f"Bearer {gw.key()}"}
    response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
    assert response.status_code == 200
    assert response.headers["x-lockgate-fallback"] == "retry"
    assert stable.seen == []


def test_streaming_falls_back_before_the_first_byte(
    two_versions: tuple[Gateway, ScriptedUpstream, ScriptedUpstream],
) -> None:
    """A failing stream is served by the fallback version, still as SSE."""
    gw, _, candidate = two_versions
    candidate.mode = "error500"
    auth = {"authorization": f"Bearer {gw.key()}"}
    with httpx.stream("POST", gw.url + CHAT, json={**GOOD, "stream": True}, headers=auth) as resp:
        assert resp.headers["x-lockgate-fallback"] == "version:v1"
        assert resp.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in resp.iter_lines() if line.startswith("data: ")]
    assert lines[-1] == "data: [DONE]"


def test_circuit_opens_and_stops_calling_the_failing_version(
    two_versions: tuple[Gateway, ScriptedUpstream, ScriptedUpstream],
) -> None:
    """After repeated failures the breaker opens: the failing upstream gets no more calls."""
    gw, stable, candidate = two_versions
    candidate.mode = "error500"
    auth = {"authorization": f"Bearer {gw.key()}"}
    for _ in range(12):
        assert httpx.post(gw.url + CHAT, json=GOOD, headers=auth).status_code == 200
    calls = len(candidate.seen)
    for _ in range(10):
        response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
        assert response.headers["x-lockgate-fallback"] == "version:v1"
    assert len(candidate.seen) == calls
    assert len(stable.seen) == 22


def test_everything_down_hands_off_to_a_human(
    tmp_path: Path, channel: tuple[HumanChannel, str]
) -> None:
    """With every upstream down the user gets a ticket, the store and the webhook get it too."""
    human, webhook = channel
    dead = {name: f"http://127.0.0.1:{free_port()}" for name in ("v1", "v2")}
    data = manifest_dict(dead, stable="v2")
    data["fallback"] = {"chain": _chain(webhook)}
    with running_gateway(tmp_path, data) as gw:
        auth = {"authorization": f"Bearer {gw.key()}", "x-lockgate-conversation": "conv-42"}
        response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
        assert response.status_code == 200
        assert response.headers["x-lockgate-fallback"] == "handoff"
        body = response.json()
        ticket = body["lockgate"]["ticket"]
        assert ticket in body["choices"][0]["message"]["content"]
        wait_until(lambda: len(human.received) == 1)
        assert human.received[0]["ticket"] == ticket
        assert human.received[0]["conversation"] == "conv-42"
        stored = handoffs.list_tickets(gw.store)
        assert [t.id for t in stored] == [ticket]
        wait_until(lambda: handoffs.list_tickets(gw.store)[0].delivery == "delivered")

        listed = subprocess.run(
            [sys.executable, "-m", "lockgate", "--config", str(gw.manifest_path), "handoff",
             "list", "--json"],
            capture_output=True, text=True, timeout=60, check=True,
        )  # fmt: skip
        assert json.loads(listed.stdout.splitlines()[0])["ticket"] == ticket


def test_kill_switch_skips_models_and_answers_statically(tmp_path: Path) -> None:
    """With the feature switched off, model actions are skipped and the static answer is sent."""
    upstream = ScriptedUpstream()
    with serve(upstream) as url:
        data = manifest_dict({"v1": url})
        data["fallback"] = {
            "chain": [
                {"action": "version", "version": "v1"},
                {"action": "static", "message": "Our assistant is resting; an agent will reply."},
            ]
        }
        with running_gateway(tmp_path, data) as gw:

            class Off:
                def enabled(self, service: str, context: RouteContext) -> bool:
                    return False

            gw.runtime.kill_switch = Off()
            auth = {"authorization": f"Bearer {gw.key()}"}
            response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
            assert response.headers["x-lockgate-fallback"] == "static"
            reply = response.json()["choices"][0]["message"]["content"]
            assert reply.startswith("Our assistant is resting")
            assert upstream.seen == []
            streamed = httpx.post(gw.url + CHAT, json={**GOOD, "stream": True}, headers=auth)
            chunks = [orjson.loads(line[6:]) for line in streamed.text.splitlines()
                      if line.startswith("data: {")]  # fmt: skip
            assert chunks[0]["choices"][0]["delta"]["content"].startswith("Our assistant")


def test_kill_switch_without_a_chain_is_503(tmp_path: Path) -> None:
    """A switched-off service without a fallback answer says so with 503 service_disabled."""
    with (
        serve(ScriptedUpstream()) as url,
        running_gateway(tmp_path, manifest_dict({"v1": url})) as gw,
    ):

        class Off:
            def enabled(self, service: str, context: RouteContext) -> bool:
                return False

        gw.runtime.kill_switch = Off()
        auth = {"authorization": f"Bearer {gw.key()}"}
        response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "service_disabled"
