"""Key management used by the CLI and the admin API: every change is audited in its transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from lockgate.auth.scopes import Scope
from lockgate.auth.tokens import mint
from lockgate.errors import NotFound
from lockgate.store import audit
from lockgate.store.db import Store
from lockgate.store.tables import ApiKey


@dataclass(frozen=True, slots=True)
class KeyInfo:
    """What may be shown about a key: never its secret or hash."""

    id: str
    name: str
    scopes: tuple[str, ...]
    services: tuple[str, ...] | None
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None

    @property
    def active(self) -> bool:
        """Not revoked and not expired."""
        now = dt.datetime.now(dt.UTC)
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def as_dict(self) -> dict[str, object]:
        """JSON-friendly form for the audit log and the API."""
        return {
            "id": self.id,
            "name": self.name,
            "scopes": list(self.scopes),
            "services": list(self.services) if self.services is not None else None,
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "expires_at": self.expires_at.isoformat() if self.expires_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
            "active": self.active,
        }


def _info(row: ApiKey) -> KeyInfo:
    return KeyInfo(
        id=row.id,
        name=row.name,
        scopes=tuple(row.scopes),
        services=tuple(row.services) if row.services is not None else None,
        created_at=row.created_at,
        created_by=row.created_by,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def create_key(
    store: Store,
    *,
    actor: str,
    name: str,
    scopes: frozenset[Scope],
    services: list[str] | None = None,
    expires_in: dt.timedelta | None = None,
) -> tuple[KeyInfo, str]:
    """Create a key; returns its info and the token, which is never retrievable again."""
    if not scopes:
        raise ValueError("a key needs at least one scope")
    token = mint()
    now = dt.datetime.now(dt.UTC)
    row = ApiKey(
        id=token.key_id,
        name=name,
        secret_hash=token.secret_hash,
        scopes=sorted(scopes),
        services=sorted(set(services)) if services else None,
        created_at=now,
        created_by=actor,
        expires_at=now + expires_in if expires_in else None,
        revoked_at=None,
    )
    with store.transaction() as session:
        session.add(row)
        info = _info(row)
        audit.append(
            session, actor=actor, action="key.create", target=f"key:{row.id}", after=info.as_dict()
        )
    return info, token.token


def list_keys(store: Store, *, include_revoked: bool = True) -> list[KeyInfo]:
    """Every key, oldest first."""
    with store.transaction() as session:
        rows = session.scalars(select(ApiKey).order_by(ApiKey.created_at))
        infos = [_info(row) for row in rows]
    return [info for info in infos if include_revoked or info.revoked_at is None]


def revoke_key(store: Store, *, actor: str, key_id: str, reason: str = "") -> KeyInfo:
    """Revoke a key; replicas stop accepting it within their key refresh interval."""
    with store.transaction() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise NotFound(f"no key with id {key_id!r}; `lockgate keys list` shows the ids")
        before = _info(row)
        if row.revoked_at is None:
            row.revoked_at = dt.datetime.now(dt.UTC)
        after = _info(row)
        audit.append(
            session,
            actor=actor,
            action="key.revoke",
            target=f"key:{key_id}",
            before=before.as_dict(),
            after=after.as_dict(),
            reason=reason,
        )
    return after
