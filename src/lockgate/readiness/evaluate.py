"""Run every check over a snapshot, apply waivers, locate results in the manifest: a ``Report``."""

from __future__ import annotations

from lockgate.manifest.positions import dotted, locate, positions
from lockgate.readiness import waivers
from lockgate.readiness.checks import CHECKS
from lockgate.readiness.evidence import Evidence
from lockgate.readiness.model import Check, Gate, Report, Result, Status
from lockgate.readiness.versions import CHECKLIST_VERSION


def evaluate(
    evidence: Evidence,
    gate: Gate,
    *,
    checks: tuple[Check, ...] = CHECKS,
    manifest_uri: str = "lockgate.yaml",
    version: str = CHECKLIST_VERSION,
) -> Report:
    """Every check's result (all gates, for the flowchart); ``gate`` decides what ``met`` means."""
    where = positions(evidence.manifest_text)
    declared = list(enumerate(evidence.manifest.waivers))
    today = evidence.now.date()
    results = []
    raw: dict[str, Status] = {}
    for check in checks:
        outcome = check.run(evidence)
        raw[check.id] = outcome.status
        applied = waivers.apply(check, outcome, declared, today)
        path = applied.path or check.anchor
        if outcome.line and applied.waiver is None:
            line, column = outcome.line, 1
        else:
            line, column = locate(where, path)
        results.append(
            Result(
                check=check,
                status=applied.status,
                message=applied.message,
                path=dotted(path),
                line=line,
                column=column,
                waiver=applied.waiver,
            )
        )
    return Report(
        service=evidence.service,
        stage=evidence.manifest.service.stage.value,
        gate=gate,
        checklist_version=version,
        generated_at=evidence.now,
        manifest_uri=manifest_uri,
        results=tuple(results),
        notes=waivers.notes(evidence.manifest.waivers, raw, version),
    )
