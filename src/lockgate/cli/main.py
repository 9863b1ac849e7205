"""The ``lockgate`` command: global options, the command groups, and error reporting.

Bad input ends with a one-line message naming the file and line where there is one, and exit
code 2; never a traceback.
"""

from __future__ import annotations

import importlib
import sys
from typing import Annotated

import typer
from rich.text import Text

from lockgate import __version__
from lockgate.cli.context import CliState, err
from lockgate.errors import LockgateError

app = typer.Typer(
    name="lockgate",
    help="Production guardrails for AI services.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

COMMAND_MODULES = (
    "manifest",
    "config",
    "keys",
    "flags",
    "rollout",
    "db",
    "serve",
    "demo",
    "handoff",
    "drift",
    "privacy",
    "audit",
    "alerts",
    "export",
    "check",
    "init",
    "docs",
    "drill",
    "backup",
    "example",
    "redact",
)


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        str | None,
        typer.Option(
            "--config", "-c", help="Manifest (default: $LOCKGATE_CONFIG or ./lockgate.yaml)."
        ),
    ] = None,
    version: Annotated[bool, typer.Option("--version", help="Print the version.")] = False,
) -> None:
    """Lockgate: put it in front of your AI service."""
    if version:
        typer.echo(__version__)
        raise typer.Exit
    ctx.obj = CliState(config=config)


def _register() -> None:
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"lockgate.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"lockgate.cli.{name}":
                raise
            continue
        module.register(app)


_register()


def run() -> None:
    """Console entry point."""
    try:
        app()
    except LockgateError as error:
        err.print(Text.assemble(("error: ", "red"), error.message))
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
