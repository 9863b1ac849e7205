"""Injected faults for drills and tests: stored, audited, and expiring by themselves."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select

from lockgate.errors import NotFound
from lockgate.store import audit
from lockgate.store.db import Store
from lockgate.store.tables import Fault

MAX_TTL = 3600.0


class FaultKind(StrEnum):
    """What an injected fault does to the requests it hits."""

    LATENCY = "latency"
    ERROR = "error"
    UNREACHABLE = "unreachable"


@dataclass(frozen=True, slots=True)
class FaultInfo:
    """An injected fault."""

    id: str
    service: str
    version: str
    kind: FaultKind
    share: float
    latency_ms: float
    status: int
    created_at: dt.datetime
    expires_at: dt.datetime
    created_by: str

    def as_dict(self) -> dict[str, object]:
        """JSON form for the API and the audit log."""
        return {
            "id": self.id,
            "service": self.service,
            "version": self.version,
            "kind": self.kind.value,
            "share": self.share,
            "latency_ms": self.latency_ms,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "expires_at": self.expires_at.isoformat(),
            "created_by": self.created_by,
        }


def _info(row: Fault) -> FaultInfo:
    return FaultInfo(
        id=row.id, service=row.service, version=row.version, kind=FaultKind(row.kind),
        share=row.share, latency_ms=row.latency_ms, status=row.status, created_at=row.created_at,
        expires_at=row.expires_at, created_by=row.created_by,
    )  # fmt: skip


def inject(
    store: Store,
    *,
    actor: str,
    service: str,
    version: str,
    kind: FaultKind,
    share: float,
    ttl: float,
    latency_ms: float = 0.0,
    status: int = 500,
    reason: str = "",
) -> FaultInfo:
    """Add a fault hitting ``share`` of ``version``'s requests for ``ttl`` seconds (audited)."""
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    if not 0 < ttl <= MAX_TTL:
        raise ValueError(f"ttl must be in (0, {MAX_TTL:g}] seconds: faults always expire")
    if kind is FaultKind.ERROR and not 500 <= status <= 599:
        raise ValueError("an injected error status must be a 5xx")
    now = dt.datetime.now(dt.UTC)
    row = Fault(
        id="F-" + secrets.token_hex(4), service=service, version=version, kind=kind.value,
        share=share, latency_ms=latency_ms, status=status, created_at=now,
        expires_at=now + dt.timedelta(seconds=ttl), created_by=actor,
    )  # fmt: skip
    with store.transaction() as session:
        session.add(row)
        info = _info(row)
        audit.append(
            session, actor=actor, action="fault.inject", target=f"fault:{row.id}",
            after=info.as_dict(), reason=reason,
        )  # fmt: skip
    return info


def active(store: Store) -> list[FaultInfo]:
    """Faults not yet expired."""
    now = dt.datetime.now(dt.UTC)
    with store.transaction() as session:
        rows = session.scalars(select(Fault).where(Fault.expires_at > now))
        return [_info(row) for row in rows]


def clear(store: Store, *, actor: str, fault_id: str) -> FaultInfo:
    """End a fault now (audited)."""
    with store.transaction() as session:
        row = session.get(Fault, fault_id)
        if row is None:
            raise NotFound(f"no fault {fault_id!r}")
        before = _info(row)
        row.expires_at = min(row.expires_at, dt.datetime.now(dt.UTC))
        audit.append(
            session, actor=actor, action="fault.clear", target=f"fault:{fault_id}",
            before=before.as_dict(),
        )  # fmt: skip
        return _info(row)
