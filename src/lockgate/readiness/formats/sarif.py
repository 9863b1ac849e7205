"""The report as SARIF 2.1.0, for code scanning: one rule per check, results on manifest lines.

Failing, evidence-less and waived checks become results (waived ones carry an accepted
suppression); passing checks appear only as rules. Locations are relative to ``%SRCROOT%``, the
repository root.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from lockgate import __version__
from lockgate.readiness.model import Check, Report, Result, Severity, Status

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
ROOT = "%SRCROOT%"
LEVELS: Mapping[Severity, str] = MappingProxyType(
    {
        Severity.CRITICAL: "error",
        Severity.HIGH: "error",
        Severity.MEDIUM: "warning",
        Severity.LOW: "note",
    }
)


def rule_name(check: Check) -> str:
    """``SecurityReviewWithin90Days`` from the check's title."""
    return "".join(word[:1].upper() + word[1:] for word in re.findall(r"[A-Za-z0-9]+", check.title))


def rule(check: Check) -> dict[str, Any]:
    """A SARIF reportingDescriptor for ``check``."""
    references = dict(check.references.items())
    refs_text = "; ".join(f"{name}: {value}" for name, value in references.items())
    help_text = check.remediation + (f"\nReferences: {refs_text}" if refs_text else "")
    return {
        "id": check.id,
        "name": rule_name(check),
        "shortDescription": {"text": check.title},
        "fullDescription": {"text": (check.run.__doc__ or check.title).strip()},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": LEVELS[check.severity]},
        "properties": {
            "area": check.area.value,
            "gate": check.gate.value,
            "severity": check.severity.value,
            "evidence": check.kind.value,
            "tags": ["readiness", check.area.value, check.gate.value],
            "references": references,
        },
    }


def result(report: Report, item: Result, index: int) -> dict[str, Any]:
    """A SARIF result for a check that did not pass."""
    message = item.message
    if item.status is Status.NO_EVIDENCE:
        message = f"no evidence: {message}"
    found: dict[str, Any] = {
        "ruleId": item.check.id,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[item.check.severity],
        "message": {"text": message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": report.manifest_uri, "uriBaseId": ROOT},
                    "region": {"startLine": item.line, "startColumn": item.column},
                },
                **({"logicalLocations": [{"fullyQualifiedName": item.path}]} if item.path else {}),
            }
        ],
        "properties": {"status": item.status.value},
    }
    if item.status is Status.WAIVED and item.waiver is not None:
        waiver = item.waiver
        found["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{waiver.reason} (approved by {waiver.approver}, "
                f"expires {waiver.expires.isoformat()})",
            }
        ]
    return found


def to_dict(report: Report) -> dict[str, Any]:
    """The SARIF log."""
    selected = report.selected
    checks = [r.check for r in selected]
    index = {check.id: position for position, check in enumerate(checks)}
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lockgate",
                        "version": __version__,
                        "rules": [rule(check) for check in checks],
                        "properties": {"checklistVersion": report.checklist_version},
                    }
                },
                "originalUriBaseIds": {
                    ROOT: {"description": {"text": "The root of the repository."}}
                },
                "invocations": [
                    {
                        "executionSuccessful": True,
                        "properties": {"gate": report.gate.value, "met": report.met},
                    }
                ],
                "results": [
                    result(report, r, index[r.check.id])
                    for r in selected
                    if r.status is not Status.PASS
                ],
            }
        ],
    }


def render(report: Report) -> str:
    """Indented SARIF JSON."""
    return json.dumps(to_dict(report), indent=2) + "\n"
