"""``/admin/v1/interactions``: stored interactions (``interactions:read``); reads are audited."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel

from lockgate.admin.security import actor, require
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.privacy.interactions import (
    Interaction,
    list_interactions,
    open_ring,
    read_interaction,
)

router = APIRouter(prefix="/admin/v1/interactions", tags=["interactions"])
Reader = Annotated[Principal, Depends(require(Scope.INTERACTIONS_READ))]


class InteractionOut(BaseModel):
    """An interaction's provenance and, when read one by one, its redacted payload."""

    id: str
    request_id: str
    at: dt.datetime
    service: str | None
    version: str | None
    revision: str
    sources: list[str]
    key_id: str | None
    tenant: str | None
    conversation: str | None
    route: str
    status: int
    stream: bool
    entities: dict[str, int]
    data_key_id: str
    pseudonyms: list[str]
    payload: dict[str, Any] | None


def _out(item: Interaction) -> InteractionOut:
    return InteractionOut.model_validate({**item.as_dict(), "at": item.at})


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("", response_model=list[InteractionOut])
async def recent(
    request: Request,
    _: Reader,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    service: str | None = None,
    tenant: str | None = None,
) -> list[InteractionOut]:
    """Provenance of the newest interactions, newest first (payloads are not decrypted)."""
    store = _runtime(request).store
    found = await asyncio.to_thread(
        list_interactions, store, limit=limit, service=service, tenant=tenant
    )
    return [_out(item) for item in found]


@router.get("/{interaction_id}", response_model=InteractionOut)
async def read(interaction_id: str, request: Request, who: Reader) -> InteractionOut:
    """One interaction with its redacted payload; the read is recorded in the audit log."""
    runtime = _runtime(request)

    def load() -> Interaction:
        ring = open_ring(runtime.loaded, runtime.store)
        return read_interaction(runtime.store, ring, interaction_id, actor=actor(who))

    return _out(await asyncio.to_thread(load))
