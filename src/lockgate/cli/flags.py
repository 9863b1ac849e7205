"""``lockgate flags list|set|clear``: read and change flags and kill switches in the store.

Running gateways pick a change up within a second (PostgreSQL notifications, or a 0.25 s poll of
the embedded SQLite store).
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.table import Column, Table

from lockgate.cli.context import cli_actor, out, state
from lockgate.flags.definitions import from_manifest
from lockgate.flags.model import FlagDefinition
from lockgate.store import flags as stored

app = typer.Typer(help="List, set and clear feature flags and kill switches.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``flags`` group."""
    root.add_typer(app, name="flags")


def parse_value(raw: str) -> Any:
    """JSON when ``raw`` parses (``false``, ``25``, ``"v2"``, ``{"a": 90}``), else the text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _show(value: Any) -> str:
    return json.dumps(value, sort_keys=True)


def _definitions(ctx: typer.Context) -> dict[str, FlagDefinition]:
    return from_manifest(state(ctx).in_force().manifest)


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every flag with its kind, value, where the value comes from, and the last change."""
    definitions = _definitions(ctx)
    headers = ("kind", "value", "source", "updated by", "updated at", "reason")
    table = Table(Column("flag", no_wrap=True), *headers)
    for item in stored.list_flags(state(ctx).store(), definitions):
        flag, override = item.flag, item.override
        value = _show(flag.value) + (f" (invalid: {flag.problem})" if flag.problem else "")
        table.add_row(
            flag.name,
            flag.kind.value,
            value,
            flag.source.value,
            override.updated_by if override else "",
            f"{override.updated_at:%Y-%m-%d %H:%M:%S}" if override else "",
            override.reason if override else "",
        )
    out.print(table)


@app.command("set")
def set_(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Flag name, e.g. support-assistant.enabled.")],
    value: Annotated[str, typer.Argument(help="JSON or text: false, 25, v2, '{\"a\": 90}'.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit log (required).")],
) -> None:
    """Override a flag's value on every replica."""
    definitions = _definitions(ctx)
    result = stored.set_flag(
        state(ctx).store(),
        actor=cli_actor(),
        name=name,
        value=parse_value(value),
        reason=reason,
        definitions=definitions,
    )
    default = _show(result.flag.default)
    out.print(f"{name} = {_show(result.flag.value)} (override; manifest default {default})")


@app.command("clear")
def clear(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Flag name.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit log (required).")],
) -> None:
    """Remove a flag's override: it serves its manifest default again."""
    result = stored.clear_flag(
        state(ctx).store(),
        actor=cli_actor(),
        name=name,
        reason=reason,
        definitions=_definitions(ctx),
    )
    out.print(f"{name} = {_show(result.flag.value)} (manifest default)")
