"""End to end: a real gateway in front of the example service, a canary of the bad release v3.

The routing watcher, the measurement sink and the controller are attached to the gateway's
runtime here the way a gateway process runs them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

import httpx
import pytest

from lockgate.auth.scopes import Scope
from lockgate.example.model import IntentModel
from lockgate.example.server import create_app
from lockgate.rollout import service
from lockgate.rollout.controller import RolloutController
from lockgate.rollout.events import EventKind
from lockgate.rollout.measure import MeasurementSink
from lockgate.rollout.phases import Phase
from lockgate.rollout.routing import RoutingWatcher
from lockgate.rollout.service import Actor
from lockgate.store import rollouts
from tests.rollout.helpers import SERVICE, Notices, current
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve

TIME_LIMIT = 40.0


@pytest.fixture
def gateway(tmp_path: Path, example_models: Mapping[str, IntentModel]) -> Iterator[Gateway]:
    v1_app = create_app("v1", model=example_models["v1"])
    v3_app = create_app("v3", seed=5, model=example_models["v3"])
    with serve(v1_app) as v1, serve(v3_app) as v3:
        data = manifest_dict({"v1": v1, "v3": v3})
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


async def _canary(gw: Gateway, token: str) -> tuple[Counter[str], Counter[str], Notices]:
    runtime = gw.runtime
    watcher = RoutingWatcher(runtime.store, runtime.router, runtime.services, period=0.2)
    sink = MeasurementSink(runtime.store, "replica-1", watcher.active)
    runtime.request_log.add_sink(sink)
    notices = Notices()
    controller = RolloutController(runtime.store, "replica-1", notices, period=0.5, lease_ttl=3.0)
    service.start(
        runtime.store, runtime.loaded.manifest, service=SERVICE, version="v3", actor=Actor("t")
    )
    stop, during, after = asyncio.Event(), Counter[str](), Counter[str]()
    tasks = [
        asyncio.create_task(watcher.run()),
        asyncio.create_task(sink.run(0.5)),
        asyncio.create_task(controller.run()),
        asyncio.create_task(_traffic(gw.url, token, stop, during)),
    ]
    deadline = time.monotonic() + TIME_LIMIT
    try:
        # The store has no change notification: poll it, as the watcher does.
        while current(runtime.store).active and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.2)
        stop.set()
        await tasks[-1]
        await asyncio.sleep(0.5)  # one watcher period and then some
        await _traffic_once(gw.url, token, after)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return during, after, notices


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
    during, after, notices = asyncio.run(_canary(gateway, token))
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
    assert [notice.kind for notice in notices.items] == ["rolled_back"]
