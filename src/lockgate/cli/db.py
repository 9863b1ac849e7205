"""``lockgate db upgrade|current``."""

from __future__ import annotations

import typer

from lockgate.cli.context import out, state
from lockgate.store import migrate
from lockgate.store.locate import open_store

app = typer.Typer(help="Database migrations.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``db`` group."""
    root.add_typer(app, name="db")


@app.command("upgrade")
def upgrade(ctx: typer.Context) -> None:
    """Apply every pending migration."""
    store = open_store(state(ctx).manifest())
    migrate.upgrade(store)
    out.print(f"database at revision {migrate.current(store)} (newest: {migrate.head()})")


@app.command("current")
def current(ctx: typer.Context) -> None:
    """Show the database's revision."""
    store = open_store(state(ctx).manifest())
    out.print(f"{migrate.current(store) or 'not migrated'} (newest: {migrate.head()})")
