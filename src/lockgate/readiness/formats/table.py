"""The report as a Rich table for the terminal."""

from __future__ import annotations

import io
from collections.abc import Mapping
from types import MappingProxyType

from rich.console import Console, Group, RenderableType
from rich.table import Table
from rich.text import Text

from lockgate.readiness.model import Report, Status

STYLES: Mapping[Status, str] = MappingProxyType(
    {
        Status.PASS: "green",
        Status.FAIL: "bold red",
        Status.WAIVED: "yellow",
        Status.NO_EVIDENCE: "magenta",
    }
)
WIDTH = 160


def renderable(report: Report) -> RenderableType:
    """One row per check the gate requires (title over finding), the verdict, then notes."""
    title = f"Readiness of {report.service} ({report.stage}): {report.gate.value} gate"
    table = Table(title=title, expand=True)
    table.add_column("check", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("check and finding", ratio=3)
    table.add_column("where", ratio=1, overflow="fold")
    for result in report.selected:
        finding = Text(result.check.title, style="bold")
        finding.append(f"\n{result.message}", style="default")
        where = Text(f"{report.manifest_uri}:{result.line}")
        if result.path:
            where.append(f"\n{result.path}", style="dim")
        table.add_row(
            result.check.id,
            Text(result.status.value.replace("_", " "), style=STYLES[result.status]),
            finding,
            where,
        )
    verdict = Text(report.summary(), style="bold green" if report.met else "bold red")
    notes = [Text(f"note: {note}", style="dim") for note in report.notes]
    return Group(table, verdict, *notes)


def text(report: Report) -> str:
    """The table as plain text (no colours), e.g. for ``--output FILE``."""
    buffer = io.StringIO()
    Console(file=buffer, width=WIDTH, color_system=None, highlight=False).print(renderable(report))
    return buffer.getvalue()
