"""``lockgate keys create|list|revoke``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from lockgate.auth import manage
from lockgate.auth.scopes import parse_scopes
from lockgate.cli.context import cli_actor, err, out, state
from lockgate.errors import ConfigError
from lockgate.manifest.types import parse_duration

app = typer.Typer(help="Create, list and revoke scoped API keys.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``keys`` group."""
    root.add_typer(app, name="keys")


@app.command("create")
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'support-web'.")],
    scope: Annotated[list[str], typer.Option(help="Scope to grant; repeat for several.")],
    service: Annotated[
        list[str] | None, typer.Option(help="Limit the key to this service; repeatable.")
    ] = None,
    expires: Annotated[str | None, typer.Option(help="Lifetime, e.g. 30d or 12h.")] = None,
) -> None:
    """Create a key; the key itself is printed alone on the last line, once."""
    try:
        scopes = parse_scopes(scope)
        lifetime = dt.timedelta(seconds=parse_duration(expires)) if expires else None
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    info, token = manage.create_key(
        state(ctx).store(),
        actor=cli_actor(),
        name=name,
        scopes=scopes,
        services=service or None,
        expires_in=lifetime,
    )
    err.print(
        f"created key {info.id} ({info.name}) with scopes {', '.join(info.scopes)}"
        + (f", services {', '.join(info.services)}" if info.services else "")
        + (f", expires {info.expires_at:%Y-%m-%d %H:%M} UTC" if info.expires_at else "")
        + ". Store it now: it is not shown again."
    )
    print(token)  # noqa: T201 - the key alone on stdout, for scripts


@app.command("list")
def list_(
    ctx: typer.Context,
    all_: Annotated[bool, typer.Option("--all", help="Include revoked keys.")] = False,
) -> None:
    """List keys (never their secrets)."""
    table = Table("id", "name", "scopes", "services", "expires", "state")
    for info in manage.list_keys(state(ctx).store(), include_revoked=all_):
        expires = f"{info.expires_at:%Y-%m-%d %H:%M}" if info.expires_at else "never"
        status = "active" if info.active else ("revoked" if info.revoked_at else "expired")
        services = ", ".join(info.services) if info.services else "all"
        table.add_row(info.id, info.name, ", ".join(info.scopes), services, expires, status)
    out.print(table)


@app.command("revoke")
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(help="Key id from `lockgate keys list`.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit log.")] = "",
) -> None:
    """Revoke a key; running gateways stop accepting it within their key refresh interval."""
    info = manage.revoke_key(state(ctx).store(), actor=cli_actor(), key_id=key_id, reason=reason)
    out.print(f"revoked key {info.id} ({info.name})")
