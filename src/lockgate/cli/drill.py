"""``lockgate drill run SCENARIO`` and ``lockgate drill list``.

Exit codes of ``run``: 0 passed, 1 failed, 3 not available (the machinery it needs is missing);
2 for refusals and errors, as for every command.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from lockgate.cli.context import cli_actor, out, state
from lockgate.drills import (
    DEFAULT_GATEWAY,
    DrillReport,
    FileKey,
    Progress,
    ScenarioName,
    past,
    run_drill,
)
from lockgate.store.locate import open_store

NOT_AVAILABLE = 3

app = typer.Typer(
    help="Incident drills: inject a fault, time detection, mitigation and recovery.",
    no_args_is_help=True,
)


def register(root: typer.Typer) -> None:
    """Add the ``drill`` group."""
    root.add_typer(app, name="drill")


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}s"


def _progress_view(progress: Progress) -> Table:
    traffic = progress.traffic
    ok = sum(n for code, n in traffic.statuses.items() if 200 <= code < 300)
    table = Table.grid(padding=(0, 2))
    table.add_row(
        "phase", Text(progress.phase.value, style="bold"), "elapsed", f"{progress.elapsed:.1f}s"
    )
    table.add_row("answers", str(traffic.sent), "2xx", str(ok))
    table.add_row(
        "fallbacks", str(sum(traffic.fallbacks.values())), "errors", str(traffic.sent - ok)
    )
    timings = progress.timings
    table.add_row("detect", _seconds(timings.detect), "mitigate", _seconds(timings.mitigate))
    table.add_row(
        "recover",
        _seconds(timings.recover),
        "signals",
        ", ".join(s.name for s in progress.signals) or "-",
    )
    return table


def _report_view(report: DrillReport) -> Group:
    if not report.available:
        return Group(
            Text(f"{report.scenario.value}: not available: {report.missing}", style="yellow")
        )
    table = Table(
        "step",
        "measured",
        "target",
        "result",
        title=f"drill {report.scenario.value} of {report.service}",
    )
    for check in report.checks:
        target = "-" if check.target is None else f"{check.target:g}s"
        style = "green" if check.passed else "red"
        table.add_row(
            check.step.value, _seconds(check.measured), target, Text(check.note, style=style)
        )
    verdict = Text(
        "PASSED" if report.passed else "FAILED", style="bold green" if report.passed else "bold red"
    )
    lines: list[Any] = [table]
    if report.signals:
        lines.append(
            Text("signals: " + ", ".join(f"{s.name} after {s.after:.2f}s" for s in report.signals))
        )
    if report.traffic is not None:
        traffic = report.traffic.as_dict()
        summary = f"traffic: {traffic['sent']} answers, status {traffic['statuses']}"
        lines.append(Text(f"{summary}, fallbacks {traffic['fallbacks']}"))
    lines.extend(Text(reason, style="red") for reason in report.reasons)
    lines.append(Text.assemble("result: ", verdict, " (recorded as evidence)"))
    return Group(*lines)


@app.command("run")
def run(
    ctx: typer.Context,
    scenario: Annotated[ScenarioName, typer.Argument(help="The incident to rehearse.")],
    gateway: Annotated[str, typer.Option(help="The gateway on this host.")] = DEFAULT_GATEWAY,
    key_file: Annotated[
        Path | None,
        typer.Option(help="A key with the scenario's scopes (default: mint a 15-minute key)."),
    ] = None,
    allow_production: Annotated[
        bool, typer.Option("--allow-production", help="Drill a service in the production stage.")
    ] = False,
    rate: Annotated[
        float | None,
        typer.Option(min=0.1, max=200, help="Requests per second (default: drills.rate)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Inject the fault through the gateway, drive traffic, time it, record the evidence."""
    cli = state(ctx)
    loaded, store = cli.manifest(), cli.store()
    keys = FileKey(key_file) if key_file is not None else None

    def drill(on_progress: Callable[[Progress], None] | None) -> DrillReport:
        return asyncio.run(
            run_drill(
                scenario,
                loaded=loaded,
                store=store,
                actor=cli_actor(),
                gateway=gateway,
                keys=keys,
                allow_production=allow_production,
                rate=rate,
                on_progress=on_progress,
            )
        )

    try:
        if as_json:
            report = drill(None)
        else:
            with Live(console=out, refresh_per_second=4, transient=True) as live:
                report = drill(lambda progress: live.update(_progress_view(progress)))
    finally:
        store.close()
    if as_json:
        body = {"available": report.available, "missing": report.missing, "passed": report.passed}
        print(json.dumps({**body, **(report.details() if report.available else {})}, indent=2))  # noqa: T201
    else:
        out.print(_report_view(report))
    if not report.available:
        raise typer.Exit(NOT_AVAILABLE)
    if not report.passed:
        raise typer.Exit(1)


@app.command("list")
def list_(
    ctx: typer.Context,
    scenario: Annotated[ScenarioName | None, typer.Option(help="Only this scenario.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Past drills with their timings, newest first."""
    store = open_store(state(ctx).manifest())
    try:
        proofs = past(store, scenario=scenario.value if scenario else None, limit=limit)
    finally:
        store.close()
    if as_json:
        rows = [
            {
                "id": p.id,
                "at": p.at.isoformat(),
                "scenario": p.subject,
                "passed": p.passed,
                "actor": p.actor,
                **p.details,
            }
            for p in proofs
        ]
        print(json.dumps(rows, indent=2, default=str))  # noqa: T201
        return
    table = Table("when (UTC)", "scenario", "result", "detect", "mitigate", "recover", "by")
    for proof in proofs:
        timings = proof.details.get("timings") or {}
        table.add_row(
            f"{proof.at:%Y-%m-%d %H:%M:%S}",
            proof.subject,
            Text("passed", style="green") if proof.passed else Text("failed", style="red"),
            _seconds(timings.get("detect")),
            _seconds(timings.get("mitigate")),
            _seconds(timings.get("recover")),
            proof.actor,
        )
    out.print(table if proofs else "no drills recorded yet; run `lockgate drill run SCENARIO`")
