"""``/admin/v1/flags``: read flags (scope ``flags:read``), set and clear them (``flags:write``).

Reads answer from this replica's flag cache (no database query), with its staleness. Changes are
written to the store with their audit record, applied here at once, and reach the other replicas
through the store's notification or poll.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from lockgate.admin.security import actor, require
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.flags.cache import FlagCache
from lockgate.flags.wire import CacheOut, FlagChange, FlagList, FlagOut, flag_out
from lockgate.store import flags as stored
from lockgate.store.db import Store

router = APIRouter(prefix="/admin/v1/flags", tags=["flags"])
FlagsRead = Annotated[Principal, Depends(require(Scope.FLAGS_READ))]
FlagsWrite = Annotated[Principal, Depends(require(Scope.FLAGS_WRITE))]


def _cache(request: Request) -> FlagCache:
    cache: FlagCache = request.app.state.runtime.flags
    return cache


def _store(request: Request) -> Store:
    store: Store = request.app.state.runtime.store
    return store


@router.get("", response_model=FlagList)
async def list_flags(request: Request, _: FlagsRead) -> FlagList:
    """Every flag with its kind, value, source and last change, and this replica's staleness."""
    cache = _cache(request)
    return FlagList(
        flags=[flag_out(state) for state in cache.states()],
        cache=CacheOut(**cache.status().as_dict()),
    )


@router.put("/{name}", response_model=FlagOut)
async def set_flag(name: str, body: FlagChange, request: Request, who: FlagsWrite) -> FlagOut:
    """Override a flag's value; 400 when the value does not fit its kind, 404 for no such flag."""
    cache = _cache(request)
    state = await asyncio.to_thread(
        stored.set_flag,
        _store(request),
        actor=actor(who),
        name=name,
        value=body.value,
        reason=body.reason,
        definitions=cache.definitions,
    )
    await asyncio.to_thread(cache.refresh)
    return flag_out(state)


@router.delete("/{name}", response_model=FlagOut)
async def clear_flag(
    name: str,
    request: Request,
    who: FlagsWrite,
    reason: Annotated[str, Query(min_length=1, max_length=2000, description="Why, for audit.")],
) -> FlagOut:
    """Remove a flag's override so it serves its manifest default again."""
    cache = _cache(request)
    state = await asyncio.to_thread(
        stored.clear_flag,
        _store(request),
        actor=actor(who),
        name=name,
        reason=reason,
        definitions=cache.definitions,
    )
    await asyncio.to_thread(cache.refresh)
    return flag_out(state)
