"""``lockgate check`` (is the service ready for a gate?) and ``lockgate flowchart``.

``check`` exits 0 when the gate is met, 1 when it is not, and 2 on bad input.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from lockgate.cli.context import err, out, state
from lockgate.errors import ConfigError
from lockgate.readiness.formats import Format, render
from lockgate.readiness.model import Gate, Report


def register(app: typer.Typer) -> None:
    """Add ``check`` and ``flowchart``."""
    app.command("check")(check)
    app.command("flowchart")(flowchart)


GateOption = Annotated[
    Gate | None,
    typer.Option(
        "--gate", help="Gate to judge (default: the manifest stage's, staging for a PoC)."
    ),
]
OfflineOption = Annotated[
    bool,
    typer.Option(
        "--offline", help="Do not open the store: live checks report no evidence (for CI)."
    ),
]


def _report(ctx: typer.Context, gate: Gate | None, offline: bool) -> Report:
    from lockgate.readiness.gate import evaluate_gate, gate_for

    cli = state(ctx)
    loaded = cli.manifest()
    target = gate or gate_for(loaded.manifest.service.stage) or Gate.STAGING
    store = None if offline else cli.store()
    try:
        return evaluate_gate(loaded, store, target)
    finally:
        if store is not None:
            store.close()


def _emit(text: str, output: Path | None, what: str) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror}") from exc
    err.print(f"wrote {what} to {output}")


def check(
    ctx: typer.Context,
    gate: GateOption = None,
    fmt: Annotated[Format, typer.Option("--format", "-f", help="Output format.")] = Format.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the report to this file.")
    ] = None,
    diff: Annotated[
        str | None,
        typer.Option(
            "--diff",
            metavar="VERSION",
            help="Show the checks added, removed or changed since checklist VERSION, and exit.",
        ),
    ] = None,
    offline: OfflineOption = False,
) -> None:
    """Judge the service against a readiness gate: exit 0 when met, 1 when not, 2 on bad input."""
    if diff is not None:
        _diff(diff, fmt, output)
        return
    report = _report(ctx, gate, offline)
    if fmt is Format.TABLE and output is None:
        from lockgate.readiness.formats.table import renderable

        out.print(renderable(report))
    else:
        _emit(render(report, fmt), output, f"the {fmt.value} report")
        err.print(report.summary())
    if not report.met:
        raise typer.Exit(1)


def _diff(version: str, fmt: Format, output: Path | None) -> None:
    from lockgate.readiness.checks import CHECKS
    from lockgate.readiness.versions import CHECKLIST_VERSION, current, definitions, diff

    if fmt not in {Format.TABLE, Format.JSON}:
        raise ConfigError("--diff prints a table or JSON (--format table|json)")
    changes = diff(
        definitions(version), current(CHECKS), old_name=version, new_name=CHECKLIST_VERSION
    )
    if fmt is Format.JSON:
        body = {
            "old": changes.old,
            "new": changes.new,
            "added": list(changes.added),
            "removed": list(changes.removed),
            "changed": [{"id": c.id, "fields": list(c.fields)} for c in changes.changed],
        }
        _emit(json.dumps(body, indent=2) + "\n", output, "the checklist diff")
        return
    table = Table("check", "change", "fields", title=f"Checklist {version} -> {CHECKLIST_VERSION}")
    for check_id in changes.added:
        table.add_row(check_id, "added", "")
    for check_id in changes.removed:
        table.add_row(check_id, "removed", "")
    for change in changes.changed:
        table.add_row(change.id, "changed", ", ".join(change.fields))
    out.print(table if not changes.empty else f"checklist {version} and {CHECKLIST_VERSION} agree")


class ChartFormat(StrEnum):
    """Flowchart formats."""

    SVG = "svg"
    MERMAID = "mermaid"


def flowchart(
    ctx: typer.Context,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout).")
    ] = None,
    fmt: Annotated[ChartFormat, typer.Option("--format", "-f", help="svg or mermaid.")] = (
        ChartFormat.SVG
    ),
    gate: GateOption = None,
    offline: OfflineOption = False,
) -> None:
    """Draw PoC -> staging -> production with each gate's checks, coloured by status."""
    from lockgate.readiness.flowchart import mermaid, svg

    report = _report(ctx, gate, offline)
    text = svg(report) if fmt is ChartFormat.SVG else mermaid(report)
    _emit(text, output, f"the {fmt.value} flowchart")
