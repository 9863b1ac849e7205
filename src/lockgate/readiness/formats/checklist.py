"""The checklist itself as a Markdown table, for docs/readiness.md.

``python -m lockgate.readiness.formats.checklist`` prints it; a test keeps the page in step.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from lockgate.readiness.formats.markdown import cell
from lockgate.readiness.model import Check


def _evidence(check: Check) -> str:
    if check.kind.value == "static":
        return "static"
    if check.freshness is None:
        return "live, any age"
    return f"live, {check.freshness.total_seconds() / 86400:g} d"


def table(checks: Iterable[Check]) -> str:
    """One row per check: id, area, gate, severity, evidence, what it asks, references."""
    lines = [
        "| id | area | gate | severity | evidence | check | references |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for check in checks:
        refs = "; ".join(f"{name}: {value}" for name, value in check.references.items())
        lines.append(
            f"| {check.id} | {check.area.heading} | {check.gate.value} | {check.severity.value} "
            f"| {_evidence(check)} | {cell(check.title)} | {cell(refs)} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    from lockgate.readiness.checks import CHECKS

    sys.stdout.write(table(CHECKS))
