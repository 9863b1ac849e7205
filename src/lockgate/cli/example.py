"""``lockgate example``: measure and serve the example support assistant."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table


def accuracy(
    json_output: Annotated[
        bool, typer.Option("--json", help="Print JSON instead of a table.")
    ] = False,
) -> None:
    """Train every release and print its held-out and golden-set accuracy."""
    from lockgate.example.model import report

    reports = report()
    if json_output:
        typer.echo(json.dumps([asdict(r) for r in reports], indent=2))
        return
    table = Table(title="Example service: accuracy per release")
    table.add_column("version", no_wrap=True)
    table.add_column("what it is")
    table.add_column("held-out", justify="right", no_wrap=True)
    table.add_column("golden", justify="right", no_wrap=True)
    table.add_column("train", justify="right", no_wrap=True)
    for r in reports:
        table.add_row(
            r.version,
            r.description,
            f"{r.heldout_accuracy:.1%}",
            f"{r.golden_accuracy:.1%}",
            f"{r.train_seconds:.2f} s",
        )
    console = Console()
    console.print(table)
    console.print(
        f"accuracy on the held-out split ({reports[0].test_examples} messages never used in "
        "training) and on the golden prompts; train = seconds to fit at start-up"
    )


def serve(
    version: Annotated[str, typer.Option(help="Model release: v1, v2 or v3.")] = "v1",
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8801,
    seed: Annotated[int | None, typer.Option(help="Seed for the injected faults of v3.")] = None,
) -> None:
    """Train a release and serve it over HTTP until interrupted."""
    import uvicorn

    from lockgate.example.model import UnknownVersionError
    from lockgate.example.server import create_app

    try:
        app = create_app(version, seed=seed)
    except UnknownVersionError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    typer.echo(f"serving support-assistant {version} on http://{host}:{port}")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(app: typer.Typer) -> None:
    """Add the ``example`` command group to ``app``."""
    group = typer.Typer(
        help="The example AI service (a customer-support assistant).", no_args_is_help=True
    )
    group.command("accuracy")(accuracy)
    group.command("serve")(serve)
    app.add_typer(group, name="example")
