"""The rollout pre-flight readiness hook: production rollouts start only when the gate is met."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from lockgate.manifest import LoadedManifest, Stage
from lockgate.readiness.gate import evaluate_gate, gate_for
from lockgate.readiness.model import Gate, Report
from lockgate.rollout.preflight import CheckResult, ReadinessHook
from lockgate.store.db import Store

SHOWN = 10


def as_check(report: Report) -> CheckResult:
    """A report as one pre-flight check: passed when the gate is met, failing ids in the reason."""
    failing = [r for r in report.selected if not r.status.ok]
    reason = report.summary()
    if failing:
        shown = ", ".join(f"{r.check.id} ({r.status.value})" for r in failing[:SHOWN])
        more = f" and {len(failing) - SHOWN} more" if len(failing) > SHOWN else ""
        reason += f"; failing: {shown}{more}"
    data = {
        "gate": report.gate.value,
        "checklist_version": report.checklist_version,
        "failing": [r.check.id for r in failing],
    }
    return CheckResult("readiness", passed=report.met, reason=reason, data=data)


def preflight_hook(
    manifest: LoadedManifest, store: Store, *, gate: Gate | None = None
) -> ReadinessHook:
    """A pre-flight hook judging ``gate`` (default: the gate of the manifest's stage)."""

    async def hook(service: str, version: str) -> CheckResult:
        del version  # the gate is about the service; the golden set judges the version
        target = gate or gate_for(manifest.manifest.service.stage)
        if target is None:
            return CheckResult("readiness", passed=True, reason="pass: no gate at stage poc")
        if service != manifest.manifest.service.name:
            reason = f"the manifest describes {manifest.manifest.service.name}, not {service}"
            return CheckResult("readiness", passed=False, reason=reason)
        report = await asyncio.to_thread(evaluate_gate, manifest, store, target)
        return as_check(report)

    return hook


def production_gate(loaded: Callable[[], LoadedManifest], store: Store) -> ReadinessHook:
    """The gateway's pre-flight hook: production rollouts need the production gate met.

    Below production the gate is reported but does not block: ``lockgate check`` is where a team
    holds itself to the staging gate.
    """

    async def hook(service: str, version: str) -> CheckResult:
        manifest = loaded()
        if manifest.manifest.service.stage is not Stage.PRODUCTION:
            return CheckResult(
                "readiness",
                passed=True,
                reason=f"pass: the production gate applies to production rollouts; this service "
                f"is at stage {manifest.manifest.service.stage.value}",
            )
        return await preflight_hook(manifest, store, gate=Gate.PRODUCTION)(service, version)

    return hook
