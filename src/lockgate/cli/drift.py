"""``lockgate drift report``: the latest drift windows of the service."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer
from rich.table import Table

from lockgate.cli.context import out, state
from lockgate.store import evidence

app = typer.Typer(help="Drift on live traffic.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``drift`` group."""
    root.add_typer(app, name="drift")


@app.command("report")
def report(
    ctx: typer.Context,
    windows: Annotated[int, typer.Option(min=1, help="How many recent windows.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON report per line.")] = False,
) -> None:
    """Latest closed windows: per column the test, effect size, adjusted p-value and verdict."""
    cli = state(ctx)
    service = cli.manifest().manifest.service.name
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    proofs = [p for p in evidence.since(cli.store(), "drift.window", epoch) if p.subject == service]
    proofs = proofs[:windows]
    if as_json:
        for proof in proofs:
            typer.echo(json.dumps({"at": proof.at.isoformat(), **proof.details}))
        return
    if not proofs:
        out.print(
            f"no drift windows yet for {service!r}: is monitors.drift set and traffic flowing?"
        )
        return
    table = Table(
        "closed (UTC)", "window", "records", "verdict", "column", "test", "effect", "p (Holm)"
    )
    for proof in proofs:
        details = proof.details
        verdict = "[red]DRIFT[/red]" if details.get("drifted") else "[green]stable[/green]"
        for index, column in enumerate(details.get("columns", [])):
            head = (f"{proof.at:%H:%M:%S}", str(details.get("window")), str(details.get("records")),
                    verdict) if index == 0 else ("", "", "", "")  # fmt: skip
            effect = column.get("effect")
            p_adj = column.get("p_adjusted")
            table.add_row(
                *head, column.get("column", "?"), str(column.get("test", "")),
                f"{effect:.3f}" if isinstance(effect, float) else "-",
                f"{p_adj:.2g}" if isinstance(p_adj, float) else "-",
            )  # fmt: skip
    out.print(table)
