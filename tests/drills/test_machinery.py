"""Drills that need more than answers: alerts (latency, drift) and the rollout controller.

A gateway process runs these loops beside the request path; here they run in a background loop
against the gateway's runtime, exactly as built. Without them, the drill says what is missing.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from lockgate.auth import manage
from lockgate.drills import ScenarioName, past
from lockgate.errors import ConfigError
from lockgate.example.reference import DRIFT_CONFIG, REFERENCE_PATH
from lockgate.manifest import load
from lockgate.monitor.alerts import AlertEvaluator
from lockgate.rollout import service
from lockgate.rollout.controller import LEASE, RolloutController
from lockgate.rollout.measure import MeasurementSink
from lockgate.rollout.notify import NullNotifier
from lockgate.rollout.routing import RoutingWatcher
from lockgate.store import alerts, evidence, rollouts
from tests.drills.conftest import SERVICE, drill_manifest
from tests.drills.support import background, drill
from tests.support.gateway import Gateway, running_gateway
from tests.support.servers import wait_until

LATENCY_RULE = {
    "name": "slow-answers",
    "metric": "latency_p95",
    "op": ">",
    "threshold": 0.2,
    "window": "2s",
}


@contextmanager
def alert_evaluator(gw: Gateway) -> Iterator[None]:
    """The gateway's alert evaluator, evaluated at least once before yielding."""
    evaluator = AlertEvaluator(gw.store, load(gw.manifest_path), {})
    with background(evaluator.run):
        wait_until(lambda: bool(alerts.load_states(gw.store, SERVICE)), timeout=10)
        yield


@contextmanager
def rollout_machinery(gw: Gateway) -> Iterator[None]:
    """Routing watcher, measurement sink and controller, holding the lease before yielding.

    A gateway that runs its own controller gets nothing extra; the lease is awaited either way.
    """
    rt = gw.runtime

    def leased() -> bool:
        with gw.store.transaction() as session:
            return rollouts.lease(session, LEASE) is not None

    if hasattr(rt, "rollouts"):
        wait_until(leased, timeout=10)
        yield
        return
    watcher = RoutingWatcher(rt.store, rt.router, rt.services, period=0.2)
    sink = MeasurementSink(rt.store, "replica-1", watcher.active)
    rt.request_log.add_sink(sink)
    controller = RolloutController(rt.store, "replica-1", NullNotifier(), period=0.5, lease_ttl=3)

    async def watch(_: asyncio.Event) -> None:
        await watcher.run()

    async def measure(_: asyncio.Event) -> None:
        await sink.run(0.5)

    async def control(_: asyncio.Event) -> None:
        await controller.run()

    with background(watch, measure, control):
        wait_until(leased, timeout=10)
        yield


def _latency_manifest(v1_url: str, **alerts_section: Any) -> dict[str, Any]:
    data = drill_manifest(v1_url)
    data["alerts"] = {"interval": 0.25, "rules": [LATENCY_RULE], **alerts_section}
    return data


def test_latency_spike_needs_a_running_alert_evaluator(tmp_path: Path, v1_url: str) -> None:
    """Without an evaluator nothing notices slow answers: not available, nothing touched."""
    with running_gateway(tmp_path, _latency_manifest(v1_url)) as gw:
        report = drill(gw, ScenarioName.LATENCY_SPIKE)
        assert not report.available
        assert report.missing is not None and "no alert evaluator is running" in report.missing
        assert manage.list_keys(gw.store) == []
        assert past(gw.store) == []


def test_latency_spike_needs_a_latency_alert(gateway: Gateway) -> None:
    """A manifest without latency alerts cannot notice a latency spike."""
    report = drill(gateway, ScenarioName.LATENCY_SPIKE)
    assert not report.available
    assert (
        report.missing == "the manifest has no latency alert (a latency_p95 rule or a latency SLO)"
    )


def test_latency_spike_is_detected_by_the_latency_alert(tmp_path: Path, v1_url: str) -> None:
    """The injected delay fires the latency rule; answers are fast again once it is cleared."""
    with running_gateway(tmp_path, _latency_manifest(v1_url)) as gw, alert_evaluator(gw):
        report = drill(gw, ScenarioName.LATENCY_SPIKE)
    assert report.available and report.passed, report.reasons
    assert [s.name for s in report.signals] == ["alert:slow-answers"]
    assert report.timings.detect is not None and 0 < report.timings.detect <= 6.0
    assert report.timings.recover is not None and report.timings.recover <= 5.0
    mitigate = next(c for c in report.checks if c.step.value == "mitigate")
    assert mitigate.target is None and mitigate.measured is None
    assert report.facts["latency"]["spike"] == 0.4
    assert report.facts["fault"]["latency_ms"] == 400.0


def _release_manifest(v1_url: str, v3_url: str, candidate: str | None = "v3") -> dict[str, Any]:
    data = drill_manifest(v1_url)
    data["versions"]["v3"] = {"upstream": v3_url, "timeout": "2s"}
    data["rollout"] = {
        "steps": [{"weight": 50, "bake": "2s", "min_requests": 20}],
        "analysis": {
            "interval": "1s",
            "deadline": "30s",
            "metrics": [
                {"metric": "latency_p95", "min_samples": 20, "bake_samples": 400},
                {"metric": "error_rate", "ceiling": 0.05, "min_samples": 20, "bake_samples": 400},
            ],
        },
    }
    data["drills"]["rate"] = 100
    data["drills"]["bad_release"] = {
        "candidate": candidate,
        "detect": "20s",
        "mitigate": "20s",
        "recover": "5s",
    }
    return data


def test_bad_release_without_a_candidate_is_a_config_error(
    tmp_path: Path, v1_url: str, v3_url: str
) -> None:
    """The drill never guesses which version is bad."""
    data = _release_manifest(v1_url, v3_url, candidate=None)
    with running_gateway(tmp_path, data) as gw, rollout_machinery(gw):
        with pytest.raises(ConfigError, match=r"drills\.bad_release\.candidate"):
            drill(gw, ScenarioName.BAD_RELEASE)
        assert service.status(gw.store, service=SERVICE) == []


def test_bad_release_is_rolled_back_and_timed(tmp_path: Path, v1_url: str, v3_url: str) -> None:
    """The canary of v3 fails its analysis, is rolled back, and v1 serves everyone again."""
    data = _release_manifest(v1_url, v3_url)
    with running_gateway(tmp_path, data) as gw, rollout_machinery(gw):
        report = drill(gw, ScenarioName.BAD_RELEASE)
        record = service.status(gw.store, service=SERVICE)[0]
    assert report.available and report.passed, report.reasons
    assert str(record.phase) == "rolled_back" and record.candidate == "v3"
    assert report.facts["rollout"]["id"] == record.id
    assert "rolled_back_by" not in report.facts
    assert report.signals[0].name == "rollout:analysis-failed"
    timings = report.timings
    assert timings.detect is not None and timings.mitigate is not None
    assert 0 < timings.detect <= timings.mitigate <= 20.0
    assert timings.recover is not None and timings.recover <= 5.0
    assert report.traffic is not None and report.traffic.versions.get("v3", 0) > 0


def test_drift_needs_a_drift_monitor(gateway: Gateway) -> None:
    """No monitors.drift section: not available."""
    report = drill(gateway, ScenarioName.DRIFT)
    assert report.missing == "no drift monitor is configured (monitors.drift in the manifest)"


def _drift_manifest(folder: Path, v1_url: str) -> dict[str, Any]:
    shutil.copy(REFERENCE_PATH, folder / "reference_profile.json")
    data = drill_manifest(v1_url)
    config = {**DRIFT_CONFIG, "window": {"records": 60, "seconds": 3}}
    data["monitors"] = {
        "output": {"label": "/lockgate_example/intent"},
        "drift": {"reference": "reference_profile.json", "config": config},
    }
    data["drills"]["rate"] = 40
    data["drills"]["drift"] = {"detect": "8s", "recover": "8s"}
    return data


def test_drift_is_detected_by_the_live_monitor_and_clears(tmp_path: Path, v1_url: str) -> None:
    """Launch-vocabulary questions make a window drift; normal traffic gives a clean one."""
    with running_gateway(tmp_path, _drift_manifest(tmp_path, v1_url)) as gw:
        report = drill(gw, ScenarioName.DRIFT)
        windows = evidence.since(gw.store, "drift.window", report.started_at)
    assert report.available and report.passed, report.reasons
    assert report.signals[0].name == "drift:window"
    assert [c.step.value for c in report.checks] == ["detect", "recover"]
    assert report.timings.mitigate is None
    assert report.timings.detect is not None and report.timings.recover is not None
    drifted = [w for w in windows if not w.passed]  # newest first
    assert drifted and any(w.passed for w in windows)
    assert any(c["column"] == "prompt" and c["drifted"] for c in drifted[-1].details["columns"])
