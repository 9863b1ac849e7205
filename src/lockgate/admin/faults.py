"""``/admin/v1/faults``: inject latency, errors or unreachability for drills."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from lockgate.admin.security import actor, require
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.errors import NotFound, RequestError
from lockgate.gateway.runtime import Runtime
from lockgate.manifest.types import Duration
from lockgate.store import faults
from lockgate.store.faults import FaultKind

router = APIRouter(prefix="/admin/v1/faults", tags=["faults"])
Writer = Annotated[Principal, Depends(require(Scope.ROLLOUTS_WRITE))]
Reader = Annotated[Principal, Depends(require(Scope.METRICS_READ))]


class FaultCreate(BaseModel):
    """A fault to inject."""

    model_config = ConfigDict(extra="forbid")

    service: str
    version: str
    kind: FaultKind
    share: float = Field(gt=0, le=1, description="Share of the version's requests hit.")
    ttl: Duration = Field(description="Lifetime, e.g. '60s'; at most one hour.")
    latency_ms: float = Field(default=0.0, ge=0, le=60_000)
    status: int = Field(default=500, ge=500, le=599)
    reason: str = ""


class FaultOut(BaseModel):
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


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def _out(info: faults.FaultInfo) -> FaultOut:
    return FaultOut.model_validate(info.as_dict())


@router.get("", response_model=list[FaultOut])
def list_faults(request: Request, _: Reader) -> list[FaultOut]:
    """Faults in force now."""
    return [_out(info) for info in faults.active(_runtime(request).store)]


@router.post("", status_code=201, response_model=FaultOut)
async def inject(body: FaultCreate, request: Request, who: Writer) -> FaultOut:
    """Inject a fault; it reaches every replica within a second and expires by itself."""
    runtime = _runtime(request)
    service = runtime.services.get(body.service)
    if service is None or body.version not in service.versions:
        raise NotFound(f"no version {body.version!r} of service {body.service!r}")
    try:
        info = await asyncio.to_thread(
            faults.inject, runtime.store, actor=actor(who), service=body.service,
            version=body.version, kind=body.kind, share=body.share, ttl=body.ttl,
            latency_ms=body.latency_ms, status=body.status, reason=body.reason,
        )  # fmt: skip
    except ValueError as exc:
        raise RequestError(str(exc)) from None
    runtime.faults.replace(await asyncio.to_thread(faults.active, runtime.store))
    return _out(info)


@router.delete("/{fault_id}", response_model=FaultOut)
async def clear(fault_id: str, request: Request, who: Writer) -> FaultOut:
    """End a fault now."""
    runtime = _runtime(request)
    info = await asyncio.to_thread(faults.clear, runtime.store, actor=actor(who), fault_id=fault_id)
    runtime.faults.replace(await asyncio.to_thread(faults.active, runtime.store))
    return _out(info)
