"""The report as JSON: every check (``required`` says whether the asked gate needs it)."""

from __future__ import annotations

import json
from typing import Any

from lockgate import __version__
from lockgate.readiness.model import Report, Result


def result_dict(result: Result, *, required: bool) -> dict[str, Any]:
    """One result with its check's definition."""
    check = result.check
    waiver = result.waiver
    return {
        "id": check.id,
        "title": check.title,
        "area": check.area.value,
        "gate": check.gate.value,
        "required": required,
        "severity": check.severity.value,
        "kind": check.kind.value,
        "freshness_s": check.freshness.total_seconds() if check.freshness else None,
        "status": result.status.value,
        "message": result.message,
        "path": result.path,
        "line": result.line,
        "column": result.column,
        "remediation": check.remediation,
        "references": dict(check.references.items()),
        "waiver": None
        if waiver is None
        else {
            "approver": waiver.approver,
            "reason": waiver.reason,
            "expires": waiver.expires.isoformat(),
        },
    }


def to_dict(report: Report) -> dict[str, Any]:
    """The whole report as JSON-ready data."""
    return {
        "tool": "lockgate",
        "lockgate_version": __version__,
        "checklist_version": report.checklist_version,
        "service": report.service,
        "stage": report.stage,
        "gate": report.gate.value,
        "met": report.met,
        "generated_at": report.generated_at.isoformat(),
        "manifest": report.manifest_uri,
        "counts": {status.value: count for status, count in report.counts().items()},
        "results": [
            result_dict(r, required=report.gate.includes(r.check.gate)) for r in report.results
        ],
        "notes": list(report.notes),
    }


def render(report: Report) -> str:
    """Indented JSON."""
    return json.dumps(to_dict(report), indent=2) + "\n"
