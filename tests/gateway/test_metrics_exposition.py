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
        upstream.mode = "error500"
        httpx.post(gw.url + "/v1/chat/completions", json=GOOD, headers=user)
        reader = {"authorization": f"Bearer {gw.key(Scope.METRICS_READ)}"}
        exposition = httpx.get(gw.url + "/metrics", headers=reader).text
    assert 'lockgate_requests_total{fallback="none",service="support-assistant"' in exposition
    assert "gen_ai_client_token_usage_total" in exposition
    checked = subprocess.run(
        [promtool, "check", "metrics"], input=exposition, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
