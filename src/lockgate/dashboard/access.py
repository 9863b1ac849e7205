"""Who is signed in: the session cookie, checked against the key's current state on every request.

The cookie holds a key id, never the key. Each request reads that key's row, so a key revoked or
expired since sign-in signs its sessions out at once, on every replica, with no wait for the key
ring's refresh.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.dashboard.sessions import SessionCodec, SessionData, SignedOut
from lockgate.store.db import Store
from lockgate.store.tables import ApiKey

COOKIE = "lockgate_session"


class KeyLookup(Protocol):
    """The current principal of a key id: None when it is unknown, revoked or expired."""

    def __call__(self, key_id: str, now: dt.datetime) -> Principal | None:
        """Blocking: run it in a thread."""


def store_lookup(store: Store) -> KeyLookup:
    """A ``KeyLookup`` that reads the key's row from ``store``."""

    def lookup(key_id: str, now: dt.datetime) -> Principal | None:
        with store.transaction() as session:
            row = session.get(ApiKey, key_id)
            if row is None or row.revoked_at is not None:
                return None
            if row.expires_at is not None and row.expires_at <= now:
                return None
            return Principal(
                key_id=row.id,
                name=row.name,
                scopes=frozenset(row.scopes),
                services=frozenset(row.services) if row.services is not None else None,
                expires_at=row.expires_at.timestamp() if row.expires_at else None,
            )

    return lookup


@dataclass(frozen=True, slots=True)
class Viewer:
    """A signed-in key and its session."""

    principal: Principal
    session: SessionData
    csrf: str

    def may(self, scope: Scope) -> bool:
        """True when the key holds ``scope``."""
        return scope in self.principal.scopes


class Gate:
    """Turns a session cookie into a ``Viewer`` or a reason to sign in again."""

    def __init__(
        self,
        codec: SessionCodec,
        lookup: KeyLookup,
        *,
        clock: Callable[[], float],
        signed_out: SignedOut | None = None,
    ) -> None:
        self.codec = codec
        self._lookup = lookup
        self.clock = clock
        self.signed_out = signed_out or SignedOut()

    def session(self, cookie: str | None) -> SessionData | None:
        """The valid, not signed-out session of ``cookie``."""
        if not cookie:
            return None
        now = self.clock()
        session = self.codec.read(cookie, now)
        if session is None or self.signed_out.refused(session.nonce, now):
            return None
        return session

    def current(self, key_id: str) -> Principal | None:
        """The key's principal now, None if it is unknown, revoked or expired (blocking)."""
        return self._lookup(key_id, dt.datetime.fromtimestamp(self.clock(), dt.UTC))

    def viewer(self, session: SessionData) -> Viewer | None:
        """The viewer of a valid session, if its key still works and may read metrics.

        Blocking (it reads the key): run it in a thread.
        """
        principal = self.current(session.key_id)
        if principal is None or Scope.METRICS_READ not in principal.scopes:
            return None
        return Viewer(principal, session, self.codec.csrf(session))

    def sign_out(self, session: SessionData) -> None:
        """Refuse ``session`` from now on (on this dashboard) until it would have expired."""
        now = self.clock()
        self.signed_out.add(session.nonce, session.issued_at + self.codec.max_age, now)
