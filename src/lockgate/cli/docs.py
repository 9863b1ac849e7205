"""``lockgate docs build``: the service handbook as static HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lockgate.cli.context import err, out, state
from lockgate.readiness.model import Gate

app = typer.Typer(help="The service handbook rendered from the manifest.", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``docs`` group."""
    root.add_typer(app, name="docs")


@app.command("build")
def build(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the site.")] = Path(
        "site"
    ),
    gate: Annotated[
        Gate | None, typer.Option("--gate", help="Gate the readiness page judges.")
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not open the store (live checks: no evidence).")
    ] = False,
) -> None:
    """Render model card, RACI and on-call, data, SLOs, runbooks, cutover and readiness."""
    from lockgate import handbook
    from lockgate.readiness.gate import evaluate_gate, gate_for

    cli = state(ctx)
    loaded = cli.manifest()
    target = gate or gate_for(loaded.manifest.service.stage) or Gate.STAGING
    store = None if offline else cli.store()
    try:
        report = evaluate_gate(loaded, store, target)
    finally:
        if store is not None:
            store.close()
    written = handbook.build(loaded, report, output)
    for path in written:
        err.print(f"wrote {path}")
    out.print(f"[green]ok[/green] handbook in {output}/index.html ({report.summary()})")
