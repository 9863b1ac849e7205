"""``/admin/v1/keys``: create, list and revoke API keys (scope ``keys:admin``)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lockgate.admin.security import actor, require
from lockgate.auth import manage
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.manifest.types import Duration

router = APIRouter(prefix="/admin/v1/keys", tags=["keys"])
KeysAdmin = Annotated[Principal, Depends(require(Scope.KEYS_ADMIN))]


class KeyCreate(BaseModel):
    """A new key's name, scopes, optional service limit and lifetime."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=200)
    scopes: list[Scope] = Field(min_length=1)
    services: list[str] | None = None
    expires_in: Duration | None = Field(default=None, description="e.g. '30d'")


class KeyOut(BaseModel):
    """A key as shown: never its secret."""

    id: str
    name: str
    scopes: list[str]
    services: list[str] | None
    created_at: dt.datetime
    created_by: str
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None
    active: bool


class KeyCreated(BaseModel):
    """The new key and its token, shown this once."""

    key: KeyOut
    token: str


def _out(info: manage.KeyInfo) -> KeyOut:
    return KeyOut(
        id=info.id,
        name=info.name,
        scopes=list(info.scopes),
        services=list(info.services) if info.services is not None else None,
        created_at=info.created_at,
        created_by=info.created_by,
        expires_at=info.expires_at,
        revoked_at=info.revoked_at,
        active=info.active,
    )


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("", response_model=list[KeyOut])
def list_keys(request: Request, _: KeysAdmin) -> list[KeyOut]:
    """Every key, oldest first."""
    return [_out(info) for info in manage.list_keys(_runtime(request).store)]


@router.post("", status_code=201, response_model=KeyCreated)
async def create_key(body: KeyCreate, request: Request, who: KeysAdmin) -> KeyCreated:
    """Create a key; the token in the answer is never shown again."""
    runtime = _runtime(request)
    info, token = await asyncio.to_thread(
        manage.create_key,
        runtime.store,
        actor=actor(who),
        name=body.name,
        scopes=frozenset(body.scopes),
        services=body.services,
        expires_in=dt.timedelta(seconds=body.expires_in) if body.expires_in else None,
    )
    return KeyCreated(key=_out(info), token=token)


@router.delete("/{key_id}", response_model=KeyOut)
async def revoke_key(key_id: str, request: Request, who: KeysAdmin) -> KeyOut:
    """Revoke a key now on this replica, and on the others within their key refresh."""
    runtime = _runtime(request)
    info = await asyncio.to_thread(
        manage.revoke_key, runtime.store, actor=actor(who), key_id=key_id
    )
    await asyncio.to_thread(runtime.keyring.reload)
    return _out(info)
