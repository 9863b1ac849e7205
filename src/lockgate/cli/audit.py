"""``lockgate audit verify|export``: prove the audit chain intact, export it as JSON lines."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated

import typer

from lockgate.cli.context import err, out, state
from lockgate.errors import ConfigError
from lockgate.privacy import retention

app = typer.Typer(help="The tamper-evident audit log.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``audit`` group."""
    root.add_typer(app, name="audit")


def parse_when(value: str, option: str) -> dt.datetime:
    """``2026-01-01`` or an ISO timestamp; without an offset it is UTC."""
    try:
        when = dt.datetime.fromisoformat(value)
    except ValueError:
        raise ConfigError(
            f"{option} {value!r} is not a date; write e.g. 2026-01-01 or 2026-01-01T12:00:00Z"
        ) from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


@app.command("verify")
def verify(ctx: typer.Context) -> None:
    """Walk the hash chain; exit 1 naming the first broken record."""
    store = state(ctx).store()
    try:
        check = retention.verify_audit(store)
    finally:
        store.close()
    if check.broken is not None:
        err.print(f"BROKEN at record {check.broken.seq}: {check.broken.reason}")
        raise typer.Exit(1)
    start = f" from the anchor after record {check.anchor_seq}" if check.anchor_seq else ""
    out.print(f"OK: {check.count} record(s) verified{start}; head {check.head or '-'}")


@app.command("export")
def export(
    ctx: typer.Context,
    since: Annotated[str, typer.Option(help="From this date or time (UTC), inclusive.")],
    until: Annotated[str | None, typer.Option(help="Up to this date or time, exclusive.")] = None,
) -> None:
    """Audit records as JSON lines, oldest first."""
    start = parse_when(since, "--since")
    end = parse_when(until, "--until") if until else None
    if end is not None and end <= start:
        raise ConfigError("--until must be later than --since")
    store = state(ctx).store()
    try:
        for record in retention.export_audit(store, since=start, until=end):
            typer.echo(json.dumps(record, ensure_ascii=False, sort_keys=True))
    finally:
        store.close()
