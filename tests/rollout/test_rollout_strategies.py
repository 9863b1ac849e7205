"""Rollout strategies through real gateways wired as in production (watcher, sink, controller).

A canary of the better v2 is promoted; blue-green switches at once and switches back at once;
a shadow rollout compares the candidate's answers without returning them; and when the replica
holding the controller lease is killed with SIGKILL, another gateway process finishes the rollout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.example.model import IntentModel
from lockgate.example.server import create_app
from lockgate.manifest import load
from lockgate.rollout import service
from lockgate.rollout.phases import Phase
from lockgate.rollout.service import Actor
from lockgate.store import migrate, rollouts
from lockgate.store.locate import open_store
from tests.rollout.helpers import SERVICE, current
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import free_port, serve, wait_until

LABEL = "/lockgate_example/intent"


def _rollout(steps: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "steps": steps,
        "post_promotion_watch": "2s",
        "analysis": {
            "interval": "1s",
            "deadline": "40s",
            "metrics": [
                {"metric": "error_rate", "ceiling": 0.2, "min_samples": 10, "bake_samples": 30},
            ],
        },
        **extra,
    }


class Traffic:
    """Background requests from many users; counts the version that answered."""

    def __init__(self, gw_url: str, token: str) -> None:
        self.url, self.token = gw_url, token
        self.seen: Counter[str] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        body = {"model": SERVICE, "messages": [{"role": "user", "content": "refund please"}]}
        auth = f"Bearer {self.token}"
        with httpx.Client(base_url=self.url, timeout=10) as client:
            user = 0
            while not self._stop.is_set():
                user += 1
                try:
                    answer = client.post(
                        "/v1/chat/completions", json=body,
                        headers={"authorization": auth, "x-lockgate-user": f"u{user}"},
                    )  # fmt: skip
                except httpx.HTTPError:  # a replica killed on purpose
                    self.seen["unreachable"] += 1
                    time.sleep(0.05)
                    continue
                self.seen[answer.headers.get("x-lockgate-version", "-")] += 1

    def __enter__(self) -> Traffic:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=15)


@pytest.fixture
def versions(example_models: Mapping[str, IntentModel]) -> Iterator[dict[str, str]]:
    apps = {v: create_app(v, seed=3, model=example_models[v]) for v in ("v1", "v2")}
    with serve(apps["v1"]) as v1, serve(apps["v2"]) as v2:
        yield {"v1": v1, "v2": v2}


def _gateway(tmp_path: Path, versions: dict[str, str], rollout: dict[str, Any]) -> Any:
    data = manifest_dict(versions)
    data["rollout"] = rollout
    data["monitors"] = {"output": {"label": LABEL}}
    return running_gateway(tmp_path, data)


def _wait_phase(gw: Gateway, phases: set[Phase], timeout: float = 60) -> None:
    wait_until(lambda: current(gw.store).phase in phases, timeout=timeout, interval=0.2)


def test_canary_of_the_better_version_is_promoted(tmp_path: Path, versions: dict[str, str]) -> None:
    """v2 takes half the users, passes analysis, is promoted and ends stable with all traffic."""
    rollout = _rollout([{"weight": 50, "bake": "2s", "min_requests": 20}])
    with _gateway(tmp_path, versions, rollout) as gw, Traffic(gw.url, gw.key()) as traffic:
        service.start(gw.store, gw.runtime.loaded.manifest, service=SERVICE, version="v2",
                      actor=Actor("test"))  # fmt: skip
        _wait_phase(gw, {Phase.STABLE, Phase.ROLLED_BACK})
        assert current(gw.store).phase is Phase.STABLE
        before = Counter(traffic.seen)
        time.sleep(1.5)
        assert traffic.seen["v2"] - before["v2"] > 0
        assert traffic.seen["v1"] - before["v1"] == 0
        assert before["v1"] > 10 and before["v2"] > 10


def test_blue_green_switches_and_switches_back_at_once(
    tmp_path: Path, versions: dict[str, str]
) -> None:
    """Blue-green moves everyone to v2 in one step; a rollback during the watch is instant."""
    rollout = _rollout([{"weight": 100, "bake": "1s", "min_requests": 5}], strategy="blue-green",
                       keep_warm="60s")  # fmt: skip
    with _gateway(tmp_path, versions, rollout) as gw, Traffic(gw.url, gw.key()) as traffic:
        service.start(gw.store, gw.runtime.loaded.manifest, service=SERVICE, version="v2",
                      actor=Actor("test"))  # fmt: skip
        wait_until(lambda: traffic.seen["v2"] > 10, timeout=30)
        service.rollback(gw.store, SERVICE, actor=Actor("oncall"), reason="switch back")
        switched = time.monotonic()
        mark = Counter(traffic.seen)
        wait_until(lambda: traffic.seen["v1"] - mark["v1"] > 5, timeout=10)
        assert time.monotonic() - switched < 3.0
        assert current(gw.store).phase is Phase.ROLLED_BACK


def test_shadow_agreement_is_measured_and_never_returned(
    tmp_path: Path, versions: dict[str, str]
) -> None:
    """In shadow the candidate gets copies; users only see v1; agreement is counted."""
    rollout = _rollout([{"weight": 10, "bake": "30s", "min_requests": 1000}], strategy="shadow")
    rollout["analysis"]["metrics"].append(
        {"metric": "shadow_agreement", "compare": False, "floor": 0.5, "min_samples": 1000,
         "bake_samples": 5000}
    )  # fmt: skip
    with _gateway(tmp_path, versions, rollout) as gw, Traffic(gw.url, gw.key()) as traffic:
        service.start(gw.store, gw.runtime.loaded.manifest, service=SERVICE, version="v2",
                      actor=Actor("test"))  # fmt: skip
        _wait_phase(gw, {Phase.SHADOW}, timeout=30)
        record = current(gw.store)

        def compared() -> int:
            with gw.store.transaction() as session:
                arms = rollouts.measured(session, record.id)
            candidate = arms["candidate"]
            return candidate.shadow_agree + candidate.shadow_disagree

        wait_until(lambda: compared() >= 20, timeout=30, interval=0.5)
        assert set(traffic.seen) == {"v1"}
        with gw.store.transaction() as session:
            candidate = rollouts.measured(session, record.id)["candidate"]
        assert candidate.shadow_agree > candidate.shadow_disagree  # v2 mostly agrees with v1


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_lease_holder_killed_mid_rollout_another_process_finishes(
    tmp_path: Path, pg_url: str, versions: dict[str, str]
) -> None:
    """Two gateway processes on PostgreSQL; SIGKILL the lease holder; the other finishes."""
    data = manifest_dict(versions)
    data["rollout"] = _rollout(
        [{"weight": 20, "bake": "3s", "min_requests": 10}, {"weight": 60, "bake": "3s",
          "min_requests": 10}]
    )  # fmt: skip
    data["gateway"]["database_url"] = pg_url
    path = tmp_path / "lockgate.yaml"
    path.write_text(yaml.safe_dump(data))
    store = open_store(load(path))
    migrate.upgrade(store)
    _, token = manage.create_key(store, actor="t", name="u", scopes=frozenset({Scope.INVOKE}))
    ports = [free_port(), free_port()]
    procs = {
        port: subprocess.Popen(
            [sys.executable, "-m", "lockgate", "--config", str(path), "serve", "--port", str(port)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        for port in ports
    }  # fmt: skip
    try:
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        wait_until(lambda: all(_ready(u) for u in urls), timeout=60)
        with Traffic(urls[0], token), Traffic(urls[1], token):
            service.start(store, load(path).manifest, service=SERVICE, version="v2",
                          actor=Actor("test"))  # fmt: skip
            wait_until(lambda: current(store).phase is Phase.CANARY, timeout=30, interval=0.2)
            with store.transaction() as session:
                holder = rollouts.lease(session, "rollout-controller")
            assert holder is not None
            pid = int(holder.holder.split(":")[1])
            assert pid in {p.pid for p in procs.values()}
            os.kill(pid, signal.SIGKILL)
            step_when_killed = current(store).progress.step
            wait_until(lambda: current(store).phase in {Phase.STABLE, Phase.ROLLED_BACK},
                       timeout=90, interval=0.5)  # fmt: skip
        record = current(store)
        assert record.phase is Phase.STABLE
        with store.transaction() as session:
            events = rollouts.events(session, record.id, limit=500)
            survivor = rollouts.lease(session, "rollout-controller")
        assert survivor is not None and int(survivor.holder.split(":")[1]) != pid
        steps = [e.data.get("step") for e in events if e.kind == "advanced" and e.data]
        assert len(steps) == len(set(steps)), "a step was repeated"
        assert step_when_killed in (0, 1)
    finally:
        for process in procs.values():
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)
        store.close()
