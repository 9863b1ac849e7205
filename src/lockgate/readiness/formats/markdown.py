"""The report as a Markdown table, for pull request comments and CI summaries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lockgate.readiness.model import Report, Status

MARKS: Mapping[Status, str] = MappingProxyType(
    {
        Status.PASS: "✅ pass",
        Status.FAIL: "❌ fail",
        Status.WAIVED: "⚠️ waived",
        Status.NO_EVIDENCE: "❔ no evidence",
    }
)


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def render(report: Report) -> str:
    """A heading, the verdict, one row per check the gate requires, and notes."""
    lines = [
        f"## Readiness: {cell(report.service)}, {report.gate.value} gate",
        "",
        f"**{report.summary()}**",
        "",
        "| check | area | status | title | message | where |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for result in report.selected:
        where = f"`{report.manifest_uri}:{result.line}`"
        if result.path:
            where += f" `{cell(result.path)}`"
        lines.append(
            f"| {result.check.id} | {result.check.area.heading} | {MARKS[result.status]} "
            f"| {cell(result.check.title)} | {cell(result.message)} | {where} |"
        )
    if report.notes:
        lines += ["", *(f"- {cell(note)}" for note in report.notes)]
    return "\n".join(lines) + "\n"
