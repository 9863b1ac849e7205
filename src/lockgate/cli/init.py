"""``lockgate init``: write a commented manifest, model card, runbooks and RACI to edit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lockgate.cli.context import err, out


def register(app: typer.Typer) -> None:
    """Add the ``init`` command."""
    app.command("init")(init)


def init(
    example: Annotated[
        str | None,
        typer.Option(help="Start from an example service instead of placeholders."),
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", help="Folder to write into (created when missing).")
    ] = Path(),
    force: Annotated[bool, typer.Option("--force", help="Overwrite existing files.")] = False,
) -> None:
    """Scaffold lockgate.yaml, MODEL_CARD.md, runbooks/ and RACI.md; never overwrites silently."""
    from lockgate import scaffold
    from lockgate.manifest import load

    written = scaffold.write(directory, example, force=force)
    loaded = load(directory / scaffold.MANIFEST)
    for path in written:
        err.print(f"wrote {path}")
    out.print(
        f"[green]ok[/green] {loaded.path}: service {loaded.manifest.service.name!r} "
        f"({loaded.manifest.service.stage}); next: edit the TODOs, then "
        f"`lockgate --config {loaded.path} check`"
    )
