"""``lockgate export prometheus-rules|grafana``: files for the monitoring stack a team runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from lockgate.cli.context import err, state
from lockgate.monitor.exports import grafana_dashboard, prometheus_rules

app = typer.Typer(help="Export Prometheus rules and a Grafana dashboard for the manifest.")

Output = Annotated[
    Path | None, typer.Option("--output", "-o", help="Write to this file (default: stdout).")
]


def register(root: typer.Typer) -> None:
    """Add the ``export`` group."""
    root.add_typer(app, name="export", no_args_is_help=True)


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    err.print(f"wrote {output}")


@app.command("prometheus-rules")
def prometheus(ctx: typer.Context, output: Output = None) -> None:
    """Recording and alerting rules for the SLOs and threshold rules (`promtool check rules`)."""
    exported = prometheus_rules(state(ctx).manifest().manifest)
    for warning in exported.warnings:
        err.print(f"warning: {warning}", markup=False)
    _emit(exported.to_yaml(), output)


@app.command("grafana")
def grafana(ctx: typer.Context, output: Output = None) -> None:
    """A dashboard (Grafana import JSON) with per-version panels."""
    dashboard = grafana_dashboard(state(ctx).manifest().manifest)
    _emit(json.dumps(dashboard, indent=2) + "\n", output)
