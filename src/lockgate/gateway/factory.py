"""The production app factory, for uvicorn with one or many workers.

``lockgate serve`` sets ``LOCKGATE_CONFIG`` and points uvicorn at ``app_from_env``; each worker
process builds its own runtime from the manifest.
"""

from __future__ import annotations

import os

from lockgate.gateway.app import create_app
from lockgate.gateway.asgi import ASGIApp
from lockgate.gateway.runtime import build_runtime
from lockgate.manifest import find_config, load
from lockgate.monitor import logs


def app_from_env() -> ASGIApp:
    """The gateway for the manifest named by ``$LOCKGATE_CONFIG`` (or ./lockgate.yaml)."""
    logs.configure(level=os.environ.get("LOCKGATE_LOG_LEVEL", "info"))
    return create_app(build_runtime(load(find_config(None))))
