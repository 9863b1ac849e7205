"""Drift on live traffic: normal customer messages stay stable, a product launch is caught."""

from __future__ import annotations

import datetime as dt
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from lockgate.auth.scopes import Scope
from lockgate.demo.traffic import customer_messages, launch_messages
from lockgate.example.reference import DRIFT_CONFIG, REFERENCE_PATH, build
from lockgate.example.server import create_app as example_app
from lockgate.store import evidence
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve, wait_until

CHAT = "/v1/chat/completions"


def _send(gw: Gateway, texts: list[str]) -> None:
    auth = {"authorization": f"Bearer {gw.key()}"}
    with httpx.Client() as client, ThreadPoolExecutor(8) as pool:

        def one(text: str) -> int:
            body = {"model": "support-assistant", "messages": [{"role": "user", "content": text}]}
            return client.post(gw.url + CHAT, json=body, headers=auth).status_code

        assert set(pool.map(one, texts)) == {200}


def _windows(gw: Gateway) -> list[evidence.Proof]:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return sorted(evidence.since(gw.store, "drift.window", epoch), key=lambda p: p.id)


def test_shipped_reference_is_reproducible(tmp_path: Path) -> None:
    """The packaged reference profile equals a fresh build from the data set and model v1."""
    build().save(tmp_path / "ref.json")
    assert (tmp_path / "ref.json").read_bytes() == REFERENCE_PATH.read_bytes()


def test_launch_vocabulary_is_detected_within_three_windows(tmp_path: Path) -> None:
    """Two normal windows stay stable; launch traffic drifts within three windows."""
    shutil.copyfile(REFERENCE_PATH, tmp_path / "reference_profile.json")
    with serve(example_app("v1", seed=1)) as upstream:
        data = manifest_dict({"v1": upstream})
        data["monitors"] = {
            "output": {"label": "/lockgate_example/intent"},
            "drift": {"reference": "reference_profile.json", "config": DRIFT_CONFIG},
        }
        with running_gateway(tmp_path, data) as gw:
            _send(gw, customer_messages()[:400])
            wait_until(lambda: len(_windows(gw)) >= 2, timeout=20)
            normal = _windows(gw)
            assert all(p.passed for p in normal), [p.details for p in normal]

            _send(gw, launch_messages()[:600])
            wait_until(lambda: len(_windows(gw)) >= len(normal) + 3, timeout=30)
            shifted = _windows(gw)[len(normal) : len(normal) + 3]
            assert any(not p.passed for p in shifted)
            drifted = next(p for p in shifted if not p.passed)
            columns = {c["column"] for c in drifted.details["columns"] if c["drifted"]}
            assert "prompt" in columns

            reader = {"authorization": f"Bearer {gw.key(Scope.METRICS_READ)}"}
            metrics = httpx.get(gw.url + "/metrics", headers=reader).text
            assert 'lockgate_drift_score{column="prompt",service="support-assistant"}' in metrics
