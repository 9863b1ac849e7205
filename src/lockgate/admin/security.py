"""Authentication and least privilege for admin routes: each route names the one scope it needs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request

from lockgate.auth.keyring import KeyRing, Principal, token_from_headers
from lockgate.auth.scopes import Scope


def require(scope: Scope) -> Callable[[Request], Awaitable[Principal]]:
    """A dependency that authenticates the caller and demands ``scope``."""

    async def dependency(request: Request) -> Principal:
        keyring: KeyRing = request.app.state.runtime.keyring
        token = token_from_headers(
            request.headers.get("authorization", "").encode("latin-1") or None,
            request.headers.get("x-api-key", "").encode("latin-1") or None,
        )
        principal = await keyring.authenticate(token)
        principal.require(scope)
        return principal

    dependency.__name__ = f"require_{scope.value.replace(':', '_')}"
    return dependency


def actor(principal: Principal) -> str:
    """How a key is named in the audit log: its id and name, never its secret."""
    return f"key:{principal.key_id} ({principal.name})"
