"""Configuration revisions: apply with hot reload and no dropped request, history, rollback."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx
import yaml

from lockgate.store import audit, revisions
from lockgate.store.tables import AuditRecord
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


def lockgate(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lockgate", *args], capture_output=True, text=True, timeout=60,
        check=False,
    )  # fmt: skip


def test_apply_reloads_without_dropping_requests_and_rolls_back(tmp_path: Path) -> None:
    """Applying a manifest moves traffic to the new upstream with every request answered."""
    old, new = ScriptedUpstream(), ScriptedUpstream()
    with (
        serve(old) as old_url,
        serve(new) as new_url,
        running_gateway(tmp_path, manifest_dict({"v1": old_url})) as gw,
    ):
        auth = {"authorization": f"Bearer {gw.key()}"}
        statuses: list[int] = []
        stop = threading.Event()

        def traffic() -> None:
            with httpx.Client() as client:
                while not stop.is_set():
                    statuses.append(client.post(gw.url + CHAT, json=GOOD, headers=auth).status_code)

        worker = threading.Thread(target=traffic)
        worker.start()
        try:
            changed = tmp_path / "changed.yaml"
            data = manifest_dict({"v1": new_url})
            changed.write_text(yaml.safe_dump(data))
            applied = lockgate("--config", str(gw.manifest_path), "apply", str(changed),
                               "--note", "move v1")  # fmt: skip
            assert applied.returncode == 0, applied.stderr
            assert "applied revision 2" in applied.stdout
            wait_until(lambda: len(new.seen) > 5, timeout=10)
        finally:
            stop.set()
            worker.join()
        assert statuses and set(statuses) == {200}

        history = lockgate("--config", str(gw.manifest_path), "config", "history")
        assert "move v1" in history.stdout

        rolled = lockgate("--config", str(gw.manifest_path), "config", "rollback", "1")
        assert rolled.returncode == 0, rolled.stderr
        before = len(old.seen)
        wait_until(
            lambda: (
                httpx.post(gw.url + CHAT, json=GOOD, headers=auth).is_success
                and len(old.seen) > before
            ),
            timeout=10,
        )
        with gw.store.transaction() as session:
            actions = [r.action for r in audit.recent(session)]
            chain = list(session.query(AuditRecord).order_by(AuditRecord.seq))
            assert audit.verify(chain) is None
        assert {"config.apply", "config.rollback"} <= set(actions)
        assert [r.id for r in revisions.history(gw.store, "support-assistant")] == [3, 2, 1]


def test_bad_manifest_is_rejected_and_the_running_one_stays(tmp_path: Path) -> None:
    """An invalid manifest fails with file:line and nothing changes."""
    upstream = ScriptedUpstream()
    with serve(upstream) as url, running_gateway(tmp_path, manifest_dict({"v1": url})) as gw:
        bad = tmp_path / "bad.yaml"
        bad.write_text("service:\n  name: support-assistant\nversions:\n  v1:\n    upstrem: x\n")
        result = lockgate("--config", str(gw.manifest_path), "apply", str(bad))
        assert result.returncode == 2
        assert f"{bad}:5:5" in result.stderr
        other = tmp_path / "other.yaml"
        other.write_text(yaml.safe_dump(manifest_dict({"v1": url}, service="billing-bot")))
        refused = lockgate("--config", str(gw.manifest_path), "apply", str(other))
        assert refused.returncode == 2
        assert "billing-bot" in refused.stderr
        assert [r.id for r in revisions.history(gw.store, "support-assistant")] == [1]
        auth = {"authorization": f"Bearer {gw.key()}"}
        assert httpx.post(gw.url + CHAT, json=GOOD, headers=auth).status_code == 200
