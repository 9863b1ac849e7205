"""End to end: a real gateway in front of the example service, a canary of the bad release v3.

The gateway runs its own routing watcher, measurement sink and lease-holding controller; the
rollback notice goes to a webhook receiver standing in for the on-call channel.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from lockgate.auth.scopes import Scope
from lockgate.example.model import IntentModel
from lockgate.example.server import create_app
from lockgate.rollout import service
from lockgate.rollout.events import EventKind
from lockgate.rollout.phases import Phase
from lockgate.rollout.service import Actor
from lockgate.store import rollouts
from tests.rollout.helpers import SERVICE, current
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve, wait_until

TIME_LIMIT = 60.0


class Receiver:
    """A webhook receiver standing in for the on-call channel."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

        async def hook(request: Request) -> JSONResponse:
            self.received.append(await request.json())
            return JSONResponse({"ok": True})

        self.app = Starlette(routes=[Route("/hook", hook, methods=["POST"])])


RECEIVER = Receiver()


@pytest.fixture
def gateway(tmp_path: Path, example_models: Mapping[str, IntentModel]) -> Iterator[Gateway]:
    v1_app = create_app("v1", model=example_models["v1"])
    v3_app = create_app("v3", seed=5, model=example_models["v3"])
    with serve(v1_app) as v1, serve(v3_app) as v3, serve(RECEIVER.app) as hooks:
        data = manifest_dict({"v1": v1, "v3": v3})
        data["alerts"] = {
            "notifiers": [{"name": "oncall", "kind": "webhook", "url": hooks + "/hook"}]
        }
        data["rollout"] = {
            "steps": [{"weight": 50, "bake": "2s", "min_requests": 20}],
            "analysis": {
                "interval": "1s",
                "deadline": "30s",
                "metrics": [
                    {"metric": "latency_p95", "min_samples": 20, "bake_samples": 400},
                    {"metric": "error_rate", "ceiling": 0.05, "min_samples": 20,
                     "bake_samples": 400},
                ],
            },
        }  # fmt: skip
        with running_gateway(tmp_path, data) as gw:
            yield gw


async def _traffic(url: str, token: str, stop: asyncio.Event, seen: Counter[str]) -> None:
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        user = 0
        while not stop.is_set():
            user += 1
            body = {"model": SERVICE, "messages": [{"role": "user", "content": "refund please"}]}
            answers = await asyncio.gather(
                *(
                    client.post(
                        "/v1/chat/completions",
                        json=body,
                        headers={"x-lockgate-user": f"user-{user}-{n}"},
                    )
                    for n in range(8)
                )
            )
            for answer in answers:
                seen[answer.headers.get("x-lockgate-version", "-")] += 1


async def _canary(gw: Gateway, token: str) -> tuple[Counter[str], Counter[str]]:
    runtime = gw.runtime
    service.start(
        runtime.store, runtime.loaded.manifest, service=SERVICE, version="v3", actor=Actor("t")
    )
    stop, during, after = asyncio.Event(), Counter[str](), Counter[str]()
    traffic = asyncio.create_task(_traffic(gw.url, token, stop, during))
    deadline = time.monotonic() + TIME_LIMIT
    try:
        # The store has no change notification: poll it, as the watcher does.
        while current(runtime.store).active and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        stop.set()
        await traffic
        await asyncio.sleep(1.0)  # the watcher's period and then some
        await _traffic_once(gw.url, token, after)
    finally:
        traffic.cancel()
        await asyncio.gather(traffic, return_exceptions=True)
    return during, after


async def _traffic_once(url: str, token: str, seen: Counter[str]) -> None:
    stop = asyncio.Event()
    stop.set()
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=10) as client:
        body = {"model": SERVICE, "messages": [{"role": "user", "content": "where is my order"}]}
        for n in range(40):
            answer = await client.post(
                "/v1/chat/completions", json=body, headers={"x-lockgate-user": f"late-{n}"}
            )
            seen[answer.headers.get("x-lockgate-version", "-")] += 1


def test_bad_release_is_rolled_back_and_traffic_returns_to_the_baseline(gateway: Gateway) -> None:
    """v3 gets half the users, its slower answers fail the analysis, and everyone is back on v1."""
    token = gateway.key(Scope.INVOKE)
    RECEIVER.received.clear()
    during, after = asyncio.run(_canary(gateway, token))
    record = current(gateway.store)
    assert record.phase is Phase.ROLLED_BACK, record
    assert during["v3"] > 20 and during["v1"] > 20
    assert after == Counter({"v1": 40})
    with gateway.store.transaction() as session:
        failed = [
            e for e in rollouts.events(session, record.id, limit=500) if e.kind == EventKind.FAILED
        ]
    assert len(failed) == 1 and "latency_p95" in failed[0].message
    metrics = (
        {m["metric"]: m for m in failed[0].data["verdict"]["metrics"]} if failed[0].data else {}
    )
    assert metrics["latency_p95"]["candidate_value"] > metrics["latency_p95"]["baseline_value"] + 15
    wait_until(lambda: len(RECEIVER.received) == 1)
    assert RECEIVER.received[0]["type"] == "rollout.rolled_back"
    assert RECEIVER.received[0]["candidate"] == "v3"
