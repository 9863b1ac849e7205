"""``lockgate apply``, ``lockgate config history|show|rollback``: configuration revisions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.syntax import Syntax
from rich.table import Table

from lockgate.cli.context import cli_actor, out, state
from lockgate.errors import ConfigError
from lockgate.manifest import parse
from lockgate.store import revisions

app = typer.Typer(help="Configuration revisions of the running gateways.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add ``apply`` and the ``config`` group."""
    root.command("apply")(apply)
    root.add_typer(app, name="config")


def apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The manifest to put in force.")],
    note: Annotated[str, typer.Option(help="Why, for the history and the audit log.")] = "",
) -> None:
    """Validate FILE and make it the configuration of every running gateway (hot reload)."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read ({exc.strerror})") from None
    cli = state(ctx)
    store = cli.store()
    service = cli.manifest().manifest.service.name
    incoming = parse(text, source=str(file)).service.name
    if incoming != service:
        raise ConfigError(
            f"{file} is for service {incoming!r} but the gateway's manifest ({cli.config_path}) "
            f"serves {service!r}; pass --config with that service's manifest"
        )
    current = revisions.latest(store, service)
    if current is not None and current.revision == revisions.digest(text):
        out.print(f"unchanged: revision {current.id} already has this content")
        return
    revision = revisions.apply(store, text, author=cli_actor(), source=str(file), note=note)
    added, removed = revision.changed_lines
    out.print(f"applied revision {revision.id} (+{added} -{removed}); gateways reload within 1 s")
    if revision.diff:
        out.print(Syntax(revision.diff, "diff", theme="ansi_dark"))


@app.command("history")
def history(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
) -> None:
    """Revisions applied to this service, newest first."""
    cli = state(ctx)
    service = cli.manifest().manifest.service.name
    table = Table("revision", "applied (UTC)", "author", "hash", "change", "note")
    for rev in revisions.history(cli.store(), service, limit=limit):
        added, removed = rev.changed_lines
        table.add_row(
            str(rev.id), f"{rev.at:%Y-%m-%d %H:%M:%S}", rev.author, rev.revision[:12],
            f"+{added} -{removed}", rev.note,
        )  # fmt: skip
    out.print(table)


@app.command("show")
def show(
    ctx: typer.Context,
    revision: Annotated[int, typer.Argument(help="Revision id from `config history`.")],
) -> None:
    """Print a revision's manifest."""
    out.print(Syntax(revisions.get(state(ctx).store(), revision).text, "yaml", theme="ansi_dark"))


@app.command("rollback")
def rollback(
    ctx: typer.Context,
    revision: Annotated[int, typer.Argument(help="Revision id to restore.")],
    note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "",
) -> None:
    """Restore an earlier revision (applied as a new revision; audited)."""
    restored = revisions.rollback(state(ctx).store(), revision, author=cli_actor(), note=note)
    out.print(f"revision {revision} restored as revision {restored.id}; gateways reload within 1 s")
