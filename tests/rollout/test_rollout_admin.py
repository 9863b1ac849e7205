"""``/admin/v1/rollouts`` in process: scopes, the operations, and errors as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from lockgate.admin import errors
from lockgate.admin import rollouts as rollouts_api
from lockgate.auth import manage
from lockgate.auth.keyring import KeyRing
from lockgate.auth.scopes import Scope
from lockgate.manifest import LoadedManifest, load
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.rollout.helpers import SERVICE, rollout_section
from tests.support.gateway import manifest_dict, write_manifest
from tests.support.servers import run

BASE = "/admin/v1/rollouts"


@dataclass
class Runtime:
    """The parts of the gateway runtime the admin routes use."""

    store: Store
    loaded: LoadedManifest
    keyring: KeyRing


@pytest.fixture
def runtime(tmp_path: Path, sqlite_url: str, open_store: Callable[[str], Store]) -> Runtime:
    data = manifest_dict(dict.fromkeys(("v1", "v2", "v3"), "http://127.0.0.1:9"))
    data["service"]["stage"] = "production"
    data["rollout"] = rollout_section()
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    return Runtime(store, load(write_manifest(tmp_path, data)), KeyRing(store))


def _app(runtime: Runtime) -> FastAPI:
    app = FastAPI()
    app.state.runtime = runtime
    errors.install(app)
    app.include_router(rollouts_api.router)
    return app


def _key(runtime: Runtime, name: str, *scopes: Scope) -> dict[str, str]:
    _, token = manage.create_key(runtime.store, actor="t", name=name, scopes=frozenset(scopes))
    return {"authorization": f"Bearer {token}"}


def _calls(runtime: Runtime, calls: list[tuple[str, str, dict[str, str], Any]]) -> list[Any]:
    async def scenario() -> list[Any]:
        transport = httpx.ASGITransport(app=_app(runtime))
        async with httpx.AsyncClient(transport=transport, base_url="http://admin") as client:
            answers = []
            for method, path, headers, body in calls:
                answer = await client.request(method, path, headers=headers, json=body)
                answers.append((answer.status_code, answer.json()))
            return answers

    return run(scenario())


def test_scopes_guard_every_route(runtime: Runtime) -> None:
    """Reads need metrics:read, changes rollouts:write, approval rollouts:approve."""
    invoke = _key(runtime, "app", Scope.INVOKE)
    start = {"service": SERVICE, "version": "v2"}
    answers = _calls(
        runtime,
        [
            ("GET", BASE, invoke, None),
            ("GET", f"{BASE}/{SERVICE}", {}, None),
            ("POST", BASE, invoke, start),
            ("POST", f"{BASE}/{SERVICE}/pause", invoke, {}),
            ("POST", f"{BASE}/{SERVICE}/approve", _key(runtime, "w", Scope.ROLLOUTS_WRITE), {}),
        ],
    )
    assert [status for status, _ in answers] == [403, 401, 403, 403, 403]
    assert all("error" in body for _, body in answers)


def test_start_steer_approve_and_read(runtime: Runtime) -> None:
    """A rollout started over the API is paused, resumed, approved by another key, rolled back."""
    writer = _key(runtime, "alice", Scope.ROLLOUTS_WRITE, Scope.ROLLOUTS_APPROVE)
    approver = _key(runtime, "bob", Scope.ROLLOUTS_APPROVE)
    reader = _key(runtime, "dash", Scope.METRICS_READ)
    answers = _calls(
        runtime,
        [
            ("POST", BASE, writer, {"service": SERVICE, "version": "v2", "reason": "release"}),
            ("POST", f"{BASE}/{SERVICE}/pause", writer, {"reason": "lunch"}),
            ("POST", f"{BASE}/{SERVICE}/resume", writer, {}),
            ("POST", f"{BASE}/{SERVICE}/promote", writer, {}),
            ("POST", f"{BASE}/{SERVICE}/approve", writer, {}),
            ("POST", f"{BASE}/{SERVICE}/approve", approver, {"reason": "ok"}),
            ("POST", f"{BASE}/{SERVICE}/rollback", writer, {"reason": "changed my mind"}),
            ("GET", f"{BASE}/{SERVICE}", reader, None),
            ("GET", f"{BASE}?service={SERVICE}", reader, None),
            ("POST", f"{BASE}/{SERVICE}/abort", writer, {}),
            ("GET", f"{BASE}/other", reader, None),
        ],
    )
    statuses = [status for status, _ in answers]
    assert statuses == [201, 200, 200, 409, 403, 200, 200, 200, 200, 409, 404]
    started, paused, resumed, promote, own, approved, rolled, detail, listing, abort, none = (
        body for _, body in answers
    )
    assert started["phase"] == "pending" and started["reason"] == "release"
    assert paused["phase"] == "paused" and resumed["phase"] == "pending"
    assert promote["error"]["code"] == "illegal_transition"
    assert own["error"]["code"] == "approval_refused"
    assert approved["approvals"][0]["actor"].endswith("(bob)")
    assert rolled["phase"] == "rolled_back" and rolled["weight"] == 0.0
    kinds = [event["kind"] for event in detail["events"]]
    assert kinds == ["started", "paused", "resumed", "approved", "rolled_back"]
    assert detail["events"][-1]["message"].endswith("changed my mind")
    assert [item["id"] for item in listing] == [started["id"]]
    assert abort["error"]["code"] == "illegal_transition"
    assert none["error"]["code"] == "rollout_not_found"
