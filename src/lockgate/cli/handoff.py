"""``lockgate handoff list``: conversations handed to a human channel."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from lockgate.cli.context import out, state
from lockgate.store import handoffs

app = typer.Typer(help="Hand-off tickets.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``handoff`` group."""
    root.add_typer(app, name="handoff")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """List hand-off tickets, newest first."""
    tickets = handoffs.list_tickets(state(ctx).store(), limit=limit)
    if as_json:
        for ticket in tickets:
            typer.echo(json.dumps({**ticket.as_dict(), "delivery": ticket.delivery}))
        return
    table = Table(
        "ticket", "created (UTC)", "service", "version", "trigger", "conversation", "delivery"
    )
    for t in tickets:
        table.add_row(
            t.id, f"{t.created_at:%Y-%m-%d %H:%M:%S}", t.service, t.version or "-", t.trigger,
            t.conversation, t.delivery,
        )  # fmt: skip
    out.print(table)
