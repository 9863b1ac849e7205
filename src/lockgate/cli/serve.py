"""``lockgate serve``: the production entry point."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from lockgate.cli.context import state
from lockgate.errors import ConfigError
from lockgate.manifest import load
from lockgate.manifest.loader import CONFIG_ENV


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""
    app.command("serve")(serve)


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8700,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    tls_cert: Annotated[Path | None, typer.Option(help="PEM certificate: serve HTTPS.")] = None,
    tls_key: Annotated[Path | None, typer.Option(help="PEM private key for --tls-cert.")] = None,
    log_level: Annotated[
        str, typer.Option(help="Log level: debug, info, warning, error.")
    ] = "info",
) -> None:
    """Run the gateway for the manifest (validated first: a bad manifest never starts)."""
    config = state(ctx).config_path.resolve()
    load(config)
    if (tls_cert is None) != (tls_key is None):
        raise ConfigError("--tls-cert and --tls-key go together; pass both or neither")
    for path in (tls_cert, tls_key):
        if path is not None and not path.is_file():
            raise ConfigError(f"{path}: no such file")
    os.environ[CONFIG_ENV] = str(config)
    os.environ["LOCKGATE_LOG_LEVEL"] = log_level
    import uvicorn

    uvicorn.run(
        "lockgate.gateway.factory:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_level="warning" if log_level.lower() in {"debug", "info"} else log_level,
        log_config=None,
        access_log=False,
        server_header=False,
        ssl_certfile=str(tls_cert) if tls_cert else None,
        ssl_keyfile=str(tls_key) if tls_key else None,
        timeout_graceful_shutdown=10,
    )
