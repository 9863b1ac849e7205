"""Pre-flight checks against the real example service: the golden set and the readiness hook."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from lockgate.example.dataset import GOLDEN_PATH
from lockgate.example.model import IntentModel
from lockgate.example.server import create_app
from lockgate.gateway.services import ServiceRuntime, build_services
from lockgate.gateway.upstream import AiohttpUpstream
from lockgate.manifest import load
from lockgate.manifest.service import Stage
from lockgate.rollout.phases import Progress
from lockgate.rollout.plan import Plan, build_plan
from lockgate.rollout.preflight import (
    CheckResult,
    GoldenSetPreflight,
    PreflightResult,
    extract,
    read_cases,
)
from lockgate.store.rollouts import RolloutRecord
from tests.rollout.helpers import SERVICE, T0, rollout_section
from tests.support.gateway import manifest_dict, write_manifest
from tests.support.servers import free_port, run, serve


@pytest.fixture(scope="module")
def upstreams(example_models: Mapping[str, IntentModel]) -> Iterator[dict[str, str]]:
    """The example service's v1 (good) and v3 (bad release) on loopback."""
    v1_app = create_app("v1", model=example_models["v1"])
    v3_app = create_app("v3", seed=3, model=example_models["v3"])
    with serve(v1_app) as v1, serve(v3_app) as v3:
        yield {"v1": v1, "v2": v1, "v3": v3}


def _setup(
    folder: Path, upstreams: dict[str, str], **rollout: Any
) -> tuple[dict[str, ServiceRuntime], Plan]:
    shutil.copyfile(GOLDEN_PATH, folder / "golden.jsonl")
    data = manifest_dict(upstreams)
    data["rollout"] = rollout_section(golden_set="golden.jsonl", **rollout)
    loaded = load(write_manifest(folder, data))
    return build_services(loaded), build_plan(loaded.manifest.rollout, stage=Stage.POC)


def _record(candidate: str, plan: Plan) -> RolloutRecord:
    return RolloutRecord(
        id="r1",
        service=SERVICE,
        baseline="v1",
        candidate=candidate,
        manifest_stable="v1",
        strategy=plan.strategy,
        progress=Progress(),
        revision=0,
        started_by="t",
        started_key=None,
        reason="",
        override=False,
        approvals=(),
        plan=plan.to_json(),
        created_at=T0,
        updated_at=T0,
        step_started_at=T0,
    )


def _check(
    folder: Path, services: dict[str, ServiceRuntime], candidate: str, plan: Plan, **kw: Any
) -> PreflightResult:
    async def scenario() -> PreflightResult:
        upstream = AiohttpUpstream()
        try:
            checker = GoldenSetPreflight(services, upstream, folder, **kw)
            return await checker.run(_record(candidate, plan), plan)
        finally:
            await upstream.close()

    return run(scenario())


def test_a_good_candidate_answers_every_golden_case(
    tmp_path: Path, upstreams: dict[str, str]
) -> None:
    """A good model behind version v2 gets all 40 intents right; readiness passes unchecked."""
    services, plan = _setup(tmp_path, upstreams)
    result = _check(tmp_path, services, "v2", plan)
    assert result.passed
    readiness, golden = result.checks
    assert readiness.reason == "pass, no checks configured"
    assert golden.data["passed_cases"] == golden.data["total_cases"] == 40
    assert golden.data["failures"] == []


def test_a_bad_release_below_the_pass_rate_fails_with_its_misses(
    tmp_path: Path, upstreams: dict[str, str]
) -> None:
    """v3 misses some cases (wrong intents and server errors), below a 100 % pass rate."""
    analysis = rollout_section()["analysis"] | {"preflight": {"min_pass_rate": 1.0}}
    services, plan = _setup(tmp_path, upstreams, analysis=analysis)
    result = _check(tmp_path, services, "v3", plan)
    assert not result.passed
    golden = result.checks[1]
    assert golden.data["passed_cases"] < 40
    assert golden.data["failures"]
    assert all(f["expected"] != f["got"] for f in golden.data["failures"])
    assert "below 100 %" in result.reason


def test_unreachable_candidate_and_missing_file_fail(tmp_path: Path) -> None:
    """Nobody listening, or no golden file: the check fails and says why."""
    dead = f"http://127.0.0.1:{free_port()}"
    services, plan = _setup(tmp_path, {"v1": dead, "v2": dead})
    result = _check(tmp_path, services, "v2", plan)
    assert not result.passed
    assert result.checks[1].data["failures"][0]["error"].startswith("the upstream of version")
    (tmp_path / "golden.jsonl").unlink()
    missing = _check(tmp_path, services, "v2", plan)
    assert "cannot read" in missing.reason


def test_readiness_hook_can_block_a_candidate(tmp_path: Path, upstreams: dict[str, str]) -> None:
    """A failing readiness hook fails the pre-flight even when the golden set passes."""

    async def not_ready(service: str, version: str) -> CheckResult:
        return CheckResult("readiness", passed=False, reason=f"{service}/{version}: no runbook")

    services, plan = _setup(tmp_path, upstreams)
    result = _check(tmp_path, services, "v2", plan, readiness=not_ready)
    assert not result.passed and "no runbook" in result.reason
    assert result.checks[1].passed


def test_golden_files_are_validated_and_paths_extracted(tmp_path: Path) -> None:
    """A line without the expected key names the file and line; dotted paths reach into lists."""
    path = tmp_path / "g.jsonl"
    path.write_text('{"text": "hi", "label": "greet"}\n\n{"text": "bye"}\n')
    with pytest.raises(ValueError, match=r"g\.jsonl:3"):
        read_cases(path, "label")
    path.write_text('{"body": {"text": "hi"}, "label": 7}\n')
    assert read_cases(path, "label")[0].expected == "7"
    assert extract({"choices": [{"message": {"intent": "x"}}]}, "choices.0.message.intent") == "x"
    assert extract({"a": 1}, "a.b") is None
    assert extract({"a": [1]}, "a.3") is None


def test_without_a_golden_set_only_readiness_runs(tmp_path: Path) -> None:
    """No golden_set in the manifest: the check passes and says nothing was configured."""
    data = manifest_dict({"v1": "http://127.0.0.1:9", "v2": "http://127.0.0.1:9"})
    data["rollout"] = rollout_section()
    loaded = load(write_manifest(tmp_path, data))
    plan = build_plan(loaded.manifest.rollout, stage=Stage.POC)
    result = _check(tmp_path, build_services(loaded), "v2", plan)
    assert result.passed and "no golden set configured" in result.reason
