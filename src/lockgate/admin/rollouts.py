"""``/admin/v1/rollouts``: start, steer and read rollouts.

Reads need ``metrics:read``; start, pause, resume, abort, rollback and promote need
``rollouts:write``; approve needs ``rollouts:approve`` and a key other than the starter's.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from lockgate.admin.security import require
from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.manifest.cutover import Strategy
from lockgate.rollout import service
from lockgate.rollout.errors import RolloutNotFound
from lockgate.rollout.service import Actor
from lockgate.store.rollouts import Event, RolloutRecord

router = APIRouter(prefix="/admin/v1/rollouts", tags=["rollouts"])
Reader = Annotated[Principal, Depends(require(Scope.METRICS_READ))]
Writer = Annotated[Principal, Depends(require(Scope.ROLLOUTS_WRITE))]
Approver = Annotated[Principal, Depends(require(Scope.ROLLOUTS_APPROVE))]


class RolloutStart(BaseModel):
    """Roll ``version`` of ``service`` out."""

    model_config = ConfigDict(extra="forbid")

    service: str
    version: str
    strategy: Strategy | None = None
    override: bool = Field(default=False, description="Start outside the cutover windows.")
    reason: str = Field(default="", max_length=2000)


class RolloutAction(BaseModel):
    """Why, for the audit log."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(default="", max_length=2000)


class RolloutOut(BaseModel):
    """A rollout's current state."""

    id: str
    service: str
    baseline: str
    candidate: str
    strategy: str
    phase: str
    paused_from: str | None
    step: int
    weight: float
    revision: int
    started_by: str
    reason: str
    override: bool
    approvals: list[dict[str, Any]]
    created_at: dt.datetime
    updated_at: dt.datetime
    step_started_at: dt.datetime
    promoted_at: dt.datetime | None
    finished_at: dt.datetime | None
    last_verdict: dict[str, Any] | None


class EventOut(BaseModel):
    """A rollout event with its numbers."""

    id: int
    at: dt.datetime
    phase: str
    step: int
    kind: str
    message: str
    data: dict[str, Any] | None
    actor: str


class RolloutDetail(BaseModel):
    """The current rollout of a service and its recent events."""

    rollout: RolloutOut
    events: list[EventOut]


def _out(record: RolloutRecord) -> RolloutOut:
    data = record.as_dict()
    return RolloutOut.model_validate({**data, "last_verdict": record.last_verdict})


def _event(event: Event) -> EventOut:
    return EventOut.model_validate(event.as_dict())


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


@router.get("", response_model=list[RolloutOut])
async def list_rollouts(
    request: Request,
    _: Reader,
    service_name: Annotated[str | None, Query(alias="service")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 20,
) -> list[RolloutOut]:
    """The newest rollouts, newest first."""
    store = _runtime(request).store
    records = await asyncio.to_thread(service.status, store, service=service_name, limit=limit)
    return [_out(record) for record in records]


@router.get("/{service_name}", response_model=RolloutDetail)
async def current(
    service_name: str,
    request: Request,
    _: Reader,
    events: Annotated[int, Query(ge=0, le=500)] = 20,
) -> RolloutDetail:
    """The newest rollout of a service with its recent events."""
    store = _runtime(request).store
    records = await asyncio.to_thread(service.status, store, service=service_name, limit=1)
    if not records:
        raise RolloutNotFound(f"service {service_name!r} has no rollout")
    recent = await asyncio.to_thread(service.events, store, records[0].id, limit=events)
    return RolloutDetail(rollout=_out(records[0]), events=[_event(e) for e in recent])


@router.post("", status_code=201, response_model=RolloutOut)
async def start(body: RolloutStart, request: Request, who: Writer) -> RolloutOut:
    """Start a rollout; refused outside the cutover windows unless overridden with a reason."""
    runtime = _runtime(request)
    record = await asyncio.to_thread(
        service.start,
        runtime.store,
        runtime.loaded.manifest,
        service=body.service,
        version=body.version,
        actor=Actor.from_principal(who),
        strategy=body.strategy,
        override=body.override,
        reason=body.reason,
    )
    return _out(record)


async def _operate(
    name: str, service_name: str, request: Request, who: Principal, reason: str
) -> RolloutOut:
    operation = getattr(service, name)
    record = await asyncio.to_thread(
        operation,
        _runtime(request).store,
        service_name,
        actor=Actor.from_principal(who),
        reason=reason,
    )
    return _out(record)


@router.post("/{service_name}/pause", response_model=RolloutOut)
async def pause(
    service_name: str, body: RolloutAction, request: Request, who: Writer
) -> RolloutOut:
    """Hold the rollout where it is."""
    return await _operate("pause", service_name, request, who, body.reason)


@router.post("/{service_name}/resume", response_model=RolloutOut)
async def resume(
    service_name: str, body: RolloutAction, request: Request, who: Writer
) -> RolloutOut:
    """Continue a paused rollout."""
    return await _operate("resume", service_name, request, who, body.reason)


@router.post("/{service_name}/abort", response_model=RolloutOut)
async def abort(
    service_name: str, body: RolloutAction, request: Request, who: Writer
) -> RolloutOut:
    """Stop before promotion; all traffic to the baseline."""
    return await _operate("abort", service_name, request, who, body.reason)


@router.post("/{service_name}/rollback", response_model=RolloutOut)
async def rollback(
    service_name: str, body: RolloutAction, request: Request, who: Writer
) -> RolloutOut:
    """All traffic to the baseline at once, in any phase."""
    return await _operate("rollback", service_name, request, who, body.reason)


@router.post("/{service_name}/promote", response_model=RolloutOut)
async def promote(
    service_name: str, body: RolloutAction, request: Request, who: Writer
) -> RolloutOut:
    """Skip the remaining steps (promotion still needs any required approval)."""
    return await _operate("promote", service_name, request, who, body.reason)


@router.post("/{service_name}/approve", response_model=RolloutOut)
async def approve(
    service_name: str, body: RolloutAction, request: Request, who: Approver
) -> RolloutOut:
    """Approve the promotion with a key other than the starter's."""
    return await _operate("approve", service_name, request, who, body.reason)
