"""The admin FastAPI application; its OpenAPI document is served at /admin/openapi.json."""

from __future__ import annotations

from fastapi import FastAPI

from lockgate import __version__
from lockgate.admin import audit, errors, faults, flags, interactions, keys, rollouts
from lockgate.gateway.runtime import Runtime


def create_admin(runtime: Runtime) -> FastAPI:
    """The admin API bound to ``runtime``."""
    app = FastAPI(
        title="Lockgate admin API",
        version=__version__,
        openapi_url="/admin/openapi.json",
        docs_url="/admin/docs",
        redoc_url=None,
    )
    app.state.runtime = runtime
    errors.install(app)
    app.include_router(keys.router)
    app.include_router(audit.router)
    app.include_router(faults.router)
    app.include_router(flags.router)
    app.include_router(rollouts.router)
    app.include_router(interactions.router)
    return app
