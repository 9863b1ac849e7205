"""The /metrics exposition is valid for Prometheus: `promtool check metrics` accepts it."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import httpx

from lockgate.auth.scopes import Scope
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve
from tests.support.upstream import ScriptedUpstream

GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


def test_promtool_accepts_the_exposition(tmp_path: Path) -> None:
    """After real traffic (answers and errors) the exposition passes promtool's linter."""
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: apt-get install prometheus (.ci/run does this)"
    upstream = ScriptedUpstream()
    with serve(upstream) as url, running_gateway(tmp_path, manifest_dict({"v1": url})) as gw:
        user = {"authorization": f"Bearer {gw.key()}"}
        for _ in range(3):
            httpx.post(gw.url + "/v1/chat/completions", json=GOOD, headers=user)
        streamed = httpx.post(
            gw.url + "/v1/chat/completions", json={**GOOD, "stream": True}, headers=user
        )
        assert streamed.status_code == 200
        upstream.mode = "error500"
        httpx.post(gw.url + "/v1/chat/completions", json=GOOD, headers=user)
        reader = {"authorization": f"Bearer {gw.key(Scope.METRICS_READ)}"}
        exposition = httpx.get(gw.url + "/metrics", headers=reader).text
    assert 'lockgate_requests_total{fallback="none",service="support-assistant"' in exposition
    assert "gen_ai_client_token_usage_total" in exposition
    assert 'lockgate_flag_value{flag="support-assistant.enabled"} 1.0' in exposition
    assert 'lockgate_rollout_weight{service="support-assistant",version="v1"} 100.0' in exposition
    assert 'lockgate_circuit_state{service="support-assistant",version="v1"} 0.0' in exposition
    assert "lockgate_time_to_first_token_seconds_count" in exposition
    assert "lockgate_flags_stale 0.0" in exposition
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
