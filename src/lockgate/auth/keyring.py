"""The in-memory key ring the hot path authenticates against.

Keys are loaded from the store at start and reloaded every ``key_refresh`` seconds, so a key
revoked on any replica stops working everywhere within that interval. A key id the ring has not
seen (created a moment ago by the CLI) is fetched from the store once; unknown ids are remembered
briefly so a flood of bad keys cannot turn into a flood of queries.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from sqlalchemy import select

from lockgate.auth.tokens import matches, split
from lockgate.errors import AuthenticationError, PermissionDenied
from lockgate.store.db import Store
from lockgate.store.tables import ApiKey

NEGATIVE_TTL = 1.0


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    key_id: str
    name: str
    scopes: frozenset[str]
    services: frozenset[str] | None
    expires_at: float | None

    def require(self, scope: str) -> None:
        """Raise 403 unless the key holds ``scope``."""
        if scope not in self.scopes:
            raise PermissionDenied(
                f"this key lacks the scope {scope!r}; create a key with --scope {scope}"
            )

    def require_service(self, service: str) -> None:
        """Raise 403 unless the key may call ``service``."""
        if self.services is not None and service not in self.services:
            raise PermissionDenied(
                f"this key may not call the service {service!r}; "
                f"it is limited to: {', '.join(sorted(self.services))}"
            )

    def may_call(self, service: str) -> bool:
        """True when the key is not limited, or limited to a set that includes ``service``."""
        return self.services is None or service in self.services


@dataclass(frozen=True, slots=True)
class _Entry:
    secret_hash: str
    principal: Principal


def _entry(row: ApiKey) -> _Entry:
    return _Entry(
        secret_hash=row.secret_hash,
        principal=Principal(
            key_id=row.id,
            name=row.name,
            scopes=frozenset(row.scopes),
            services=frozenset(row.services) if row.services is not None else None,
            expires_at=row.expires_at.timestamp() if row.expires_at else None,
        ),
    )


def token_from_headers(authorization: bytes | None, api_key: bytes | None) -> str | None:
    """The presented token from ``Authorization: Bearer ...`` or ``x-api-key``."""
    if authorization:
        scheme, _, value = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer" and value:
            return value.strip()
        return None
    if api_key:
        return api_key.decode("latin-1").strip()
    return None


class KeyRing:
    """Active keys by id, refreshed from the store."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._entries: dict[str, _Entry] = {}
        self._unknown: dict[str, float] = {}
        self.loaded_at = 0.0

    def reload(self) -> None:
        """Replace the ring with the store's active keys (blocking; run in a thread)."""
        with self._store.transaction() as session:
            rows = session.scalars(select(ApiKey).where(ApiKey.revoked_at.is_(None)))
            entries = {row.id: _entry(row) for row in rows}
        self._entries = entries
        self._unknown = {}
        self.loaded_at = time.monotonic()

    def _fetch(self, key_id: str) -> _Entry | None:
        with self._store.transaction() as session:
            row = session.get(ApiKey, key_id)
            return _entry(row) if row is not None and row.revoked_at is None else None

    async def authenticate(self, token: str | None) -> Principal:
        """The principal for ``token``; 401 for a missing, unknown, revoked or expired key."""
        if not token:
            raise AuthenticationError(
                "no API key; send `Authorization: Bearer lk_...` "
                "(create one with `lockgate keys create`)"
            )
        parts = split(token)
        if parts is None:
            raise AuthenticationError("malformed API key; Lockgate keys look like lk_<id>_<secret>")
        key_id, secret = parts
        entry = self._entries.get(key_id)
        if entry is None:
            entry = await self._fetch_unknown(key_id)
        if entry is None or not matches(secret, entry.secret_hash):
            raise AuthenticationError("unknown or revoked API key")
        expires_at = entry.principal.expires_at
        if expires_at is not None and expires_at <= time.time():
            raise AuthenticationError("this API key has expired; create a new one")
        return entry.principal

    async def _fetch_unknown(self, key_id: str) -> _Entry | None:
        now = time.monotonic()
        if self._unknown.get(key_id, 0.0) > now:
            return None
        entry = await asyncio.to_thread(self._fetch, key_id)
        if entry is None:
            if len(self._unknown) > 10_000:
                self._unknown.clear()
            self._unknown[key_id] = now + NEGATIVE_TTL
        else:
            self._entries = {**self._entries, key_id: entry}
        return entry
