"""The kill switch flipped on one gateway process reaches two others on PostgreSQL within 1 s."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import yaml

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.manifest import load
from lockgate.store import migrate
from lockgate.store.locate import open_store
from tests.support.gateway import manifest_dict
from tests.support.servers import free_port, serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_kill_switch_propagates_to_every_replica(tmp_path: Path, pg_url: str) -> None:
    """Three `lockgate serve` processes share PostgreSQL; a flip on one is served by all in 1 s."""
    with serve(ScriptedUpstream()) as upstream:
        data = manifest_dict({"v1": upstream})
        data["gateway"]["database_url"] = pg_url
        data["fallback"] = {"chain": [{"action": "static", "message": "An agent will reply."}]}
        manifest = tmp_path / "lockgate.yaml"
        manifest.write_text(yaml.safe_dump(data))
        store = open_store(load(manifest))
        migrate.upgrade(store)
        _, user = manage.create_key(store, actor="t", name="u", scopes=frozenset({Scope.INVOKE}))
        _, admin = manage.create_key(
            store, actor="t", name="ops", scopes=frozenset({Scope.FLAGS_WRITE})
        )
        store.close()
        ports = [free_port() for _ in range(3)]
        replicas = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "lockgate",
                    "--config",
                    str(manifest),
                    "serve",
                    "--port",
                    str(port),
                ],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for port in ports
        ]
        urls = [f"http://127.0.0.1:{port}" for port in ports]
        try:
            wait_until(lambda: all(_ready(url) for url in urls), timeout=60)
            auth = {"authorization": f"Bearer {user}"}
            for url in urls:
                assert (
                    "x-lockgate-fallback"
                    not in httpx.post(url + CHAT, json=GOOD, headers=auth).headers
                )

            flipped_at = time.monotonic()
            response = httpx.put(
                urls[0] + "/admin/v1/flags/support-assistant.enabled",
                json={"value": False, "reason": "drill"},
                headers={"authorization": f"Bearer {admin}"},
            )
            assert response.status_code == 200, response.text
            seen: dict[str, float] = {}
            deadline = flipped_at + 5
            while len(seen) < len(urls) and time.monotonic() < deadline:
                for url in urls:
                    if url not in seen:
                        headers = httpx.post(url + CHAT, json=GOOD, headers=auth).headers
                        if headers.get("x-lockgate-fallback") == "static":
                            seen[url] = time.monotonic() - flipped_at
                time.sleep(0.01)
            assert len(seen) == 3, seen
            assert max(seen.values()) < 1.0, seen
        finally:
            for process in replicas:
                process.terminate()
            for process in replicas:
                process.wait(timeout=30)
