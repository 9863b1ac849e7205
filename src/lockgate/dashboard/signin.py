"""Signing in with an API key and signing out.

The key is checked by the gateway's key ring and against its stored row (so a key revoked a moment
ago is refused even before the ring reloads), and must hold ``metrics:read``. The cookie then
carries only the key's id, signed; the key itself is never stored.
"""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.dashboard.access import COOKIE
from lockgate.dashboard.core import Dashboard
from lockgate.dashboard.forms import read_form
from lockgate.dashboard.pages import PREFIX
from lockgate.errors import AuthenticationError, PermissionDenied

NOTES = {
    "required": "Sign in to see the dashboard.",
    "expired": "Your session expired; sign in again.",
    "revoked": "Your key was revoked, has expired or no longer holds metrics:read.",
    "signed_out": "You are signed out.",
}


class SignIn:
    """The sign-in form, its submission, and sign-out."""

    def __init__(self, ui: Dashboard) -> None:
        self.ui = ui

    async def form(self, request: Request) -> Response:
        """The sign-in form; a signed-in viewer goes straight to the dashboard."""
        if await self.ui.viewer(request) is not None:
            return RedirectResponse(PREFIX, 303)
        note = NOTES.get(request.query_params.get("why", ""))
        return self.ui.pages.render("login.html", note=note, error=None, viewer=None)

    async def _check(self, token: str | None) -> Principal:
        principal = await self.ui.runtime.keyring.authenticate(token)
        if await asyncio.to_thread(self.ui.gate.current, principal.key_id) is None:
            raise AuthenticationError("unknown or revoked API key")
        principal.require(Scope.METRICS_READ)
        return principal

    async def submit(self, request: Request) -> Response:
        """Check the key and set the session cookie; the form again, with the reason, if not."""
        fields = await read_form(request)
        token = fields.get("api_key", "").strip() or None
        try:
            principal = await self._check(token)
        except (AuthenticationError, PermissionDenied) as exc:
            return self.ui.pages.render(
                "login.html", exc.status, note=None, error=exc.message, viewer=None
            )
        gate = self.ui.gate
        cookie = gate.codec.issue(principal.key_id, gate.clock())
        response = RedirectResponse(PREFIX, 303)
        response.set_cookie(
            COOKIE,
            cookie,
            max_age=int(gate.codec.max_age),
            path=PREFIX,
            secure=request.url.scheme == "https",
            httponly=True,
            samesite="strict",
        )
        return response

    async def sign_out(self, request: Request) -> Response:
        """End the session (its token is refused from now on) and clear the cookie."""
        session = self.ui.gate.session(request.cookies.get(COOKIE))
        if session is not None:
            viewer = await asyncio.to_thread(self.ui.gate.viewer, session)
            if viewer is not None:
                self.ui.check_csrf(viewer, await read_form(request))
            self.ui.gate.sign_out(session)
        response = RedirectResponse(f"{PREFIX}/login?why=signed_out", 303)
        response.delete_cookie(COOKIE, path=PREFIX)
        return response
