"""``lockgate schema`` and ``lockgate validate``."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from lockgate.cli.context import out, state
from lockgate.manifest import Manifest, load


def register(app: typer.Typer) -> None:
    """Add the manifest commands."""
    app.command("schema")(schema)
    app.command("validate")(validate)


def schema() -> None:
    """Print the JSON Schema of lockgate.yaml."""
    out.print_json(json.dumps(Manifest.model_json_schema(by_alias=True)))


def validate(
    ctx: typer.Context,
    path: Annotated[
        str | None, typer.Argument(help="Manifest to check (default: the config).")
    ] = None,
) -> None:
    """Check a manifest; errors name the file, line and column."""
    target = path or str(state(ctx).config_path)
    loaded = load(target)
    manifest = loaded.manifest
    out.print(
        f"[green]ok[/green] {target}: service {manifest.service.name!r} "
        f"({manifest.service.stage}), "
        f"versions {', '.join(manifest.versions)}, stable {manifest.stable_version!r}"
    )
