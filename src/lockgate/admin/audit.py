"""``/admin/v1/audit``: read the audit trail (scope ``audit:read``)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from lockgate.admin.security import require
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.store import audit

router = APIRouter(prefix="/admin/v1/audit", tags=["audit"])


class AuditOut(BaseModel):
    """One audit record."""

    seq: int
    at: dt.datetime
    actor: str
    action: str
    target: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str
    hash: str


@router.get("", response_model=list[AuditOut])
def recent(
    request: Request,
    _: Annotated[Principal, Depends(require(Scope.AUDIT_READ))],
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditOut]:
    """The newest audit records, newest first."""
    runtime: Runtime = request.app.state.runtime
    with runtime.store.transaction() as session:
        return [
            AuditOut.model_validate(row, from_attributes=True)
            for row in audit.recent(session, limit=limit)
        ]
