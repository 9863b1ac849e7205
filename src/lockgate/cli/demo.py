"""``lockgate demo``: the example service behind a local gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lockgate.cli.context import out


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""
    app.command("demo")(demo)


def demo(
    port: Annotated[int, typer.Option(help="Gateway port.")] = 8700,
    data_dir: Annotated[Path, typer.Option(help="Where the demo keeps its files.")] = Path(
        ".lockgate-demo"
    ),
    traffic: Annotated[
        float, typer.Option(help="Also send this many customer requests per second.")
    ] = 0.0,
    shift: Annotated[
        bool, typer.Option(help="Send new-product launch messages (drifted traffic).")
    ] = False,
    duration: Annotated[
        float | None, typer.Option(help="Stop after this many seconds (default: run until Ctrl-C).")
    ] = None,
) -> None:
    """Run the customer-support assistant (v1, v2, v3) behind Lockgate on 127.0.0.1."""
    from lockgate.demo.runner import Demo, DemoOptions

    options = DemoOptions(
        port=port, data_dir=data_dir, traffic=traffic, duration=duration, shift=shift
    )

    def say(text: str) -> None:
        out.print(text)
        out.file.flush()

    Demo(options, say=say).run()
