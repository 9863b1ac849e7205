"""Fault injection through the admin API: applied to live traffic, audited, and expiring."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from lockgate.auth.scopes import Scope
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


def test_unreachable_fault_triggers_the_fallback_then_expires(tmp_path: Path) -> None:
    """An injected outage of v2 sends traffic to v1 until its TTL ends."""
    stable, candidate = ScriptedUpstream(), ScriptedUpstream()
    with serve(stable) as stable_url, serve(candidate) as candidate_url:
        data = manifest_dict({"v1": stable_url, "v2": candidate_url}, stable="v2")
        data["fallback"] = {"chain": [{"action": "version", "version": "v1"}]}
        with running_gateway(tmp_path, data) as gw:
            admin = {"authorization": f"Bearer {gw.key(Scope.ROLLOUTS_WRITE, Scope.AUDIT_READ)}"}
            user = {"authorization": f"Bearer {gw.key()}"}
            created = httpx.post(
                gw.url + "/admin/v1/faults",
                json={"service": "support-assistant", "version": "v2", "kind": "unreachable",
                      "share": 1.0, "ttl": "2s", "reason": "drill"},
                headers=admin,
            )  # fmt: skip
            assert created.status_code == 201, created.text
            response = httpx.post(gw.url + CHAT, json=GOOD, headers=user)
            assert response.headers["x-lockgate-fallback"] == "version:v1"
            assert candidate.seen == []
            audit = httpx.get(gw.url + "/admin/v1/audit", headers=admin).json()
            assert audit[0]["action"] == "fault.inject"
            assert audit[0]["reason"] == "drill"
            time.sleep(2.1)
            wait_until(
                lambda: (
                    "x-lockgate-fallback"
                    not in httpx.post(gw.url + CHAT, json=GOOD, headers=user).headers
                ),
                timeout=5,
            )
            assert candidate.seen


def test_latency_fault_and_bad_requests(tmp_path: Path) -> None:
    """Latency faults delay answers; bad fault requests are 4xx JSON errors."""
    upstream = ScriptedUpstream()
    with serve(upstream) as url, running_gateway(tmp_path, manifest_dict({"v1": url})) as gw:
        admin = {"authorization": f"Bearer {gw.key(Scope.ROLLOUTS_WRITE)}"}
        user = {"authorization": f"Bearer {gw.key()}"}
        fault = {"service": "support-assistant", "version": "v1", "kind": "latency",
                 "share": 1.0, "latency_ms": 300, "ttl": "30s"}  # fmt: skip
        created = httpx.post(gw.url + "/admin/v1/faults", json=fault, headers=admin)
        assert created.status_code == 201
        started = time.perf_counter()
        assert httpx.post(gw.url + CHAT, json=GOOD, headers=user).status_code == 200
        assert time.perf_counter() - started >= 0.3
        cleared = httpx.delete(gw.url + f"/admin/v1/faults/{created.json()['id']}", headers=admin)
        assert cleared.status_code == 200
        started = time.perf_counter()
        httpx.post(gw.url + CHAT, json=GOOD, headers=user)
        assert time.perf_counter() - started < 0.3

        for bad, status in [
            ({**fault, "version": "v9"}, 404),
            ({**fault, "share": 2}, 400),
            ({**fault, "ttl": "2h"}, 400),
            ({**fault, "kind": "meteor"}, 400),
        ]:
            response = httpx.post(gw.url + "/admin/v1/faults", json=bad, headers=admin)
            assert response.status_code == status, (bad, response.text)
            assert "error" in response.json()
