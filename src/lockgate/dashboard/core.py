"""What every dashboard page shares: the runtime, the session gate, the templates and errors."""

from __future__ import annotations

import asyncio
import datetime as dt

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from lockgate.auth.scopes import Scope
from lockgate.dashboard.access import COOKIE, Gate, Viewer
from lockgate.dashboard.pages import PREFIX, Pages
from lockgate.errors import LockgateError, PermissionDenied
from lockgate.gateway.runtime import Runtime


class SignInRequired(LockgateError):
    """No valid session: the browser is sent to the sign-in page with ``why``."""

    status = 401
    code = "sign_in_required"
    type = "authentication_error"

    def __init__(self, why: str) -> None:
        super().__init__("sign in with an API key holding metrics:read")
        self.why = why


class CsrfRejected(PermissionDenied):
    """A form post without this session's CSRF token."""

    code = "csrf_failed"


class Dashboard:
    """What every page handler shares: the runtime, the session gate and the templates."""

    def __init__(self, runtime: Runtime, gate: Gate, pages: Pages, *, refresh: int) -> None:
        self.runtime = runtime
        self.gate = gate
        self.pages = pages
        self.refresh = refresh

    def now(self) -> dt.datetime:
        """The dashboard clock as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.gate.clock(), dt.UTC)

    async def viewer(self, request: Request) -> Viewer | None:
        """The signed-in viewer of ``request``, if its session and key are still valid."""
        session = self.gate.session(request.cookies.get(COOKIE))
        if session is None:
            return None
        return await asyncio.to_thread(self.gate.viewer, session)

    async def require(self, request: Request, scope: Scope | None = None) -> Viewer:
        """The viewer, or ``SignInRequired``; ``scope`` is demanded on top of ``metrics:read``."""
        cookie = request.cookies.get(COOKIE)
        session = self.gate.session(cookie)
        if session is None:
            raise SignInRequired("expired" if cookie else "required")
        viewer = await asyncio.to_thread(self.gate.viewer, session)
        if viewer is None:
            raise SignInRequired("revoked")
        if scope is not None and not viewer.may(scope):
            raise PermissionDenied(
                f"your key lacks the scope {scope.value!r}; sign in with a key that holds it"
            )
        return viewer

    def check_csrf(self, viewer: Viewer, fields: dict[str, str]) -> None:
        """Refuse a form that does not carry the session's CSRF token."""
        if not self.gate.codec.csrf_ok(viewer.session, fields.get("csrf")):
            raise CsrfRejected(
                "this form did not come from your current dashboard session; "
                "reload the page and submit it again"
            )

    async def on_error(self, request: Request, exc: Exception) -> Response:
        """Errors as pages; a missing or invalid session goes to the sign-in page."""
        if isinstance(exc, SignInRequired):
            response: Response = RedirectResponse(f"{PREFIX}/login?why={exc.why}", 303)
            response.delete_cookie(COOKIE, path=PREFIX)
            return response
        if isinstance(exc, LockgateError):
            status, message = exc.status, exc.message
        elif isinstance(exc, HTTPException):
            status, message = exc.status_code, f"{exc.detail} ({request.method} {request.url.path})"
        else:  # pragma: no cover - Starlette only routes the registered types here
            raise exc
        viewer = None if status == 401 else await self.viewer(request)
        return self.pages.render("error.html", status, message=message, viewer=viewer)
