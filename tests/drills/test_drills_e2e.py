"""Drills end to end: the real example service behind a real gateway, faults via its admin API."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from lockgate.auth import manage
from lockgate.drills import DrillRefused, Phase, Progress, ScenarioName, Settings, past, run_drill
from lockgate.flags import EvaluationContext, from_manifest
from lockgate.manifest import load
from lockgate.store import audit, evidence, faults, revisions
from lockgate.store import flags as stored_flags
from tests.drills.conftest import SERVICE, drill_manifest
from tests.drills.support import drill
from tests.support.gateway import Gateway, running_gateway


def _drill_keys_revoked(gw: Gateway) -> list[str]:
    keys = [k for k in manage.list_keys(gw.store) if k.name.startswith("drill ")]
    assert keys, "the drill minted no key"
    assert all(k.revoked_at is not None for k in keys), keys
    return [k.id for k in keys]


def test_upstream_down_falls_back_recovers_and_is_recorded(gateway: Gateway) -> None:
    """An unreachable stable version is answered by v2 at once, recovers, and becomes evidence."""
    seen: list[Progress] = []
    report = drill(gateway, ScenarioName.UPSTREAM_DOWN, seen=seen)
    assert report.available and report.passed, report.reasons
    timings = report.timings
    assert timings.detect is not None and timings.mitigate is not None
    assert timings.recover is not None
    assert 0 <= timings.detect <= timings.mitigate <= 3.0
    assert 0 < timings.recover <= 5.0
    assert report.signals[0].name == "fallback:version:v2"
    assert report.traffic is not None and report.traffic.fallbacks["version:v2"] >= 4
    assert report.facts["mitigated_share"] >= 0.9
    assert seen[0].phase is Phase.BASELINE and seen[-1].phase is Phase.DONE
    assert {Phase.FAULT, Phase.RECOVERY} <= {p.phase for p in seen}
    assert faults.active(gateway.store) == []
    key_ids = _drill_keys_revoked(gateway)
    with gateway.store.transaction() as session:
        actions = [(r.action, r.actor) for r in audit.recent(session, limit=20)]
    assert any(a == "fault.inject" and key_ids[0] in actor for a, actor in actions)
    assert any(a == "fault.clear" and key_ids[0] in actor for a, actor in actions)
    proof = evidence.latest(gateway.store, "drill", subject="upstream-down")
    assert proof is not None and proof.passed and proof.actor == "cli:test"
    assert proof.details["timings"] == timings.as_dict()
    assert proof.details["facts"]["fault"]["kind"] == "unreachable"


def test_kill_switch_is_honoured_then_restored_to_the_previous_override(gateway: Gateway) -> None:
    """While off, every answer is the static one; afterwards the previous override is back."""
    definitions = from_manifest(load(gateway.manifest_path).manifest)
    name = f"{SERVICE}.enabled"
    stored_flags.set_flag(
        gateway.store, actor="t", name=name, value=True, reason="on", definitions=definitions
    )
    gateway.runtime.flags.refresh()
    report = drill(gateway, ScenarioName.KILL_SWITCH)
    assert report.available and report.passed, report.reasons
    assert report.signals[0].name == "kill-switch:static"
    assert report.timings.mitigate is not None and report.timings.mitigate <= 3.0
    assert report.traffic is not None and report.traffic.fallbacks["static"] >= 4
    state = next(
        s for s in stored_flags.list_flags(gateway.store, definitions) if s.flag.name == name
    )
    assert state.override is not None and state.flag.value is True
    assert "restored" in state.override.reason
    _drill_keys_revoked(gateway)


def test_kill_switch_already_off_is_refused_and_left_alone(gateway: Gateway) -> None:
    """A drill cannot time a switch that is already off; it changes nothing."""
    definitions = from_manifest(load(gateway.manifest_path).manifest)
    name = f"{SERVICE}.enabled"
    stored_flags.set_flag(
        gateway.store, actor="t", name=name, value=False, reason="off", definitions=definitions
    )
    gateway.runtime.flags.refresh()
    with pytest.raises(DrillRefused, match="already off"):
        drill(gateway, ScenarioName.KILL_SWITCH)
    state = next(
        s for s in stored_flags.list_flags(gateway.store, definitions) if s.flag.name == name
    )
    assert state.flag.value is False and state.override is not None
    assert state.override.reason == "off"
    assert past(gateway.store) == []


def test_production_stage_is_refused_unless_allowed(tmp_path: Path, v1_url: str) -> None:
    """A production service is never drilled by accident: nothing is minted or injected."""
    data = drill_manifest(v1_url)
    data["service"]["stage"] = "production"
    with running_gateway(tmp_path, data) as gw:
        with pytest.raises(DrillRefused, match="production"):
            drill(gw, ScenarioName.UPSTREAM_DOWN)
        assert manage.list_keys(gw.store) == []
        assert faults.active(gw.store) == []
        report = drill(gw, ScenarioName.KILL_SWITCH, allow_production=True)
        assert report.passed, report.reasons


def test_production_revision_in_force_is_refused(gateway: Gateway) -> None:
    """The stage of the revision the gateways run counts, not only the file's."""
    data = yaml.safe_load(gateway.manifest_path.read_text())
    data["service"]["stage"] = "production"
    revisions.apply(gateway.store, yaml.safe_dump(data), author="t", source="lockgate.yaml")
    with pytest.raises(DrillRefused, match="production"):
        drill(gateway, ScenarioName.KILL_SWITCH)


def test_unhealthy_service_is_not_faulted(tmp_path: Path) -> None:
    """When the service fails before the drill, nothing is injected and the drill fails."""
    data = drill_manifest("http://127.0.0.1:9")
    data["fallback"] = {}
    with running_gateway(tmp_path, data) as gw:
        loaded = load(gw.manifest_path)
        settings = Settings.from_manifest(loaded.manifest.drills, ScenarioName.UPSTREAM_DOWN)
        report = drill(
            gw, ScenarioName.UPSTREAM_DOWN, settings=replace(settings, baseline_timeout=1.5)
        )
        assert report.available and not report.passed
        assert "did not answer normally before the fault" in report.reasons[0]
        assert "fault" not in report.facts
        with gw.store.transaction() as session:
            assert all(r.action != "fault.inject" for r in audit.recent(session))
    assert report.checks == ()
    assert report.timings.detect is None


def test_an_interrupted_drill_restores_the_switch_and_revokes_its_key(gateway: Gateway) -> None:
    """Cancelling mid-fault (Ctrl-C) still restores the kill switch; nothing is recorded."""
    loaded = load(gateway.manifest_path)
    settings = Settings.from_manifest(loaded.manifest.drills, ScenarioName.KILL_SWITCH)
    in_fault = asyncio.Event()

    def seen(progress: Progress) -> None:
        if progress.phase is Phase.FAULT:
            in_fault.set()

    async def interrupt() -> None:
        task = asyncio.create_task(
            run_drill(
                ScenarioName.KILL_SWITCH, loaded=loaded, store=gateway.store, actor="cli:test",
                gateway=gateway.url, settings=replace(settings, hold=60), on_progress=seen,
            )
        )  # fmt: skip
        await asyncio.wait_for(in_fault.wait(), 10)
        switch = gateway.runtime.flags.evaluate(
            f"{SERVICE}.enabled", EvaluationContext(), default=True
        )
        assert switch.value is False
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    asyncio.run(interrupt())
    definitions = from_manifest(loaded.manifest)
    state = next(
        s
        for s in stored_flags.list_flags(gateway.store, definitions)
        if s.flag.name.endswith(".enabled")
    )
    assert state.override is None and state.flag.value is True
    _drill_keys_revoked(gateway)
    assert past(gateway.store) == []
