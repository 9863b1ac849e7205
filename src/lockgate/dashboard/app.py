"""The on-call dashboard: a Starlette app serving ``/ui`` from the gateway's own runtime.

Pages are rendered on the server and refresh themselves with a meta refresh; there is no
JavaScript. Signing in takes an API key holding ``metrics:read`` and sets a signed, HttpOnly,
SameSite=Strict session cookie that names the key by id; every request checks that key again.
Changing a flag takes ``flags:write``, a confirmation step and the session's CSRF token, and is
audited like any other flag change.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from lockgate.auth.scopes import Scope
from lockgate.dashboard.access import Gate, KeyLookup, store_lookup
from lockgate.dashboard.core import Dashboard
from lockgate.dashboard.flagflip import FlagFlip
from lockgate.dashboard.pages import PREFIX, Pages
from lockgate.dashboard.panels import gather
from lockgate.dashboard.sessions import SessionCodec
from lockgate.dashboard.signin import SignIn
from lockgate.errors import LockgateError
from lockgate.gateway.runtime import Runtime

SESSION_TTL = 8 * 3600.0
REFRESH_SECONDS = 10
STATIC = Path(__file__).parent / "static"


class Home:
    """The one screen."""

    def __init__(self, ui: Dashboard) -> None:
        self.ui = ui

    async def show(self, request: Request) -> Response:
        """Every panel, read now; ``?changed=<flag>`` confirms a flag change just made."""
        viewer = await self.ui.require(request)
        screen = await asyncio.to_thread(gather, self.ui.runtime, self.ui.now())
        changed = request.query_params.get("changed")
        changed_row = next((row for row in screen.flags.rows if row.name == changed), None)
        return self.ui.pages.render(
            "home.html",
            screen=screen,
            viewer=viewer,
            refresh=self.ui.refresh,
            changed=changed_row,
            can_write=viewer.may(Scope.FLAGS_WRITE),
        )


def create_dashboard(
    runtime: Runtime,
    *,
    secret: bytes | None = None,
    session_ttl: float = SESSION_TTL,
    refresh: int = REFRESH_SECONDS,
    clock: Callable[[], float] = time.time,
    lookup: KeyLookup | None = None,
) -> Starlette:
    """The dashboard app for ``runtime``, serving paths under ``/ui``.

    ``secret`` signs session cookies; by default a random one is made, so sessions last as long
    as this process and belong to this replica. ``lookup`` finds a key's current state by id
    (default: its row in the runtime's store).
    """
    gate = Gate(
        SessionCodec(secret or secrets.token_bytes(32), max_age=session_ttl),
        lookup or store_lookup(runtime.store),
        clock=clock,
    )
    ui = Dashboard(runtime, gate, Pages(), refresh=refresh)
    sign_in, flags = SignIn(ui), FlagFlip(ui)
    routes = [
        Route(PREFIX, Home(ui).show, methods=["GET"]),
        Route(f"{PREFIX}/login", sign_in.form, methods=["GET"]),
        Route(f"{PREFIX}/login", sign_in.submit, methods=["POST"]),
        Route(f"{PREFIX}/logout", sign_in.sign_out, methods=["POST"]),
        Route(f"{PREFIX}/flags/{{name}}", flags.edit, methods=["GET"]),
        Route(f"{PREFIX}/flags/{{name}}/review", flags.review, methods=["POST"]),
        Route(f"{PREFIX}/flags/{{name}}/apply", flags.apply, methods=["POST"]),
        Mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="static"),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={LockgateError: ui.on_error, HTTPException: ui.on_error},
    )
