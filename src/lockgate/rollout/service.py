"""Audited rollout operations used by the CLI and the admin API.

Each operation is one transaction: it reads the service's current rollout (locking its row on
PostgreSQL), applies a pure move from ``phases``/``plan``, writes it guarded by the revision it
read, appends a rollout event and an audit record. Running gateways pick the change up through
their ``RoutingWatcher`` within a second; the lease-holding controller continues from it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from lockgate.auth.keyring import Principal
from lockgate.auth.scopes import Scope
from lockgate.errors import NotFound, RequestError
from lockgate.manifest import Manifest
from lockgate.manifest.cutover import Strategy
from lockgate.rollout.errors import (
    ApprovalRefused,
    ApprovalRequired,
    IllegalTransition,
    OutsideCutoverWindow,
    RolloutNotFound,
)
from lockgate.rollout.events import EventKind
from lockgate.rollout.phases import BEFORE_PROMOTION, Phase, Progress
from lockgate.rollout.plan import Plan, build_plan
from lockgate.store import audit, rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import Approval, RolloutRecord


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: an API key, or an operator at the terminal (``scopes`` None: store access)."""

    name: str
    key_id: str | None = None
    key_name: str | None = None
    scopes: frozenset[str] | None = None

    @classmethod
    def from_principal(cls, principal: Principal) -> Actor:
        """The actor for an authenticated API key."""
        return cls(
            name=f"key:{principal.key_id} ({principal.name})",
            key_id=principal.key_id,
            key_name=principal.name,
            scopes=principal.scopes,
        )

    def may(self, scope: Scope) -> bool:
        """True when the actor holds ``scope`` (operators with store access hold every scope)."""
        return self.scopes is None or scope in self.scopes


def _now(now: dt.datetime | None) -> dt.datetime:
    return now if now is not None else dt.datetime.now(dt.UTC)


def _lock_service(session: Session, service: str) -> None:
    """Serialize operations on one service (PostgreSQL; SQLite transactions already do)."""
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.blake2b(f"rollout:{service}".encode(), digest_size=8).digest()
        key = int.from_bytes(digest, "big", signed=True)
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _current(session: Session, service: str) -> RolloutRecord:
    _lock_service(session, service)
    record = rollouts.latest(session, service, lock=True)
    if record is None:
        raise RolloutNotFound(
            f"service {service!r} has no rollout; start one with `lockgate rollout start`"
        )
    return record


def _check_service(manifest: Manifest, service: str) -> None:
    if service != manifest.service.name:
        raise NotFound(
            f"no service named {service!r} in the manifest; it configures {manifest.service.name!r}"
        )


def start(
    store: Store,
    manifest: Manifest,
    *,
    service: str,
    version: str,
    actor: Actor,
    strategy: Strategy | None = None,
    override: bool = False,
    reason: str = "",
    now: dt.datetime | None = None,
) -> RolloutRecord:
    """Start rolling ``version`` out; a running rollout of the service is superseded.

    Outside every cutover window the start is refused (and the refusal audited) unless
    ``override`` is set with a ``reason``.
    """
    _check_service(manifest, service)
    if version not in manifest.versions:
        known = ", ".join(manifest.versions)
        raise NotFound(f"no version {version!r} under `versions` (configured: {known})")
    if override and not reason.strip():
        raise RequestError("an override needs a reason for the audit log (--reason)")
    moment = _now(now)
    plan = build_plan(manifest.rollout, stage=manifest.service.stage, strategy=strategy)
    in_window = plan.in_window(moment)
    if not in_window and not override:
        _refuse(store, service, version, actor=actor, plan=plan, now=moment)
    stable = manifest.stable_version
    with store.transaction() as session:
        _lock_service(session, service)
        current = rollouts.latest(session, service, lock=True)
        governing = current is not None and current.governs(stable)
        baseline = current.serving if current is not None and governing else stable
        if version == baseline:
            raise IllegalTransition(f"version {version!r} already serves {service!r}")
        superseded = _supersede(session, current, actor, moment) if current else None
        record = rollouts.insert(
            session,
            RolloutRecord(
                id=uuid.uuid4().hex,
                service=service,
                baseline=baseline,
                candidate=version,
                manifest_stable=stable,
                strategy=plan.strategy,
                progress=Progress(),
                revision=0,
                started_by=actor.name,
                started_key=actor.key_id,
                reason=reason,
                override=not in_window,
                approvals=(),
                plan=plan.to_json(),
                created_at=moment,
                updated_at=moment,
                step_started_at=moment,
            ),
        )
        data = {
            "strategy": str(plan.strategy),
            "steps": [step.weight for step in plan.steps],
            "approval_required": plan.approval_required,
            "in_window": in_window,
            "windows": plan.describe_windows(),
            "supersedes": superseded.id if superseded else None,
        }
        message = f"rollout of {version} over {baseline} started ({plan.strategy})"
        if not in_window:
            message += f"; outside the cutover windows by override: {reason}"
        rollouts.add_event(
            session,
            record,
            moment,
            kind=EventKind.STARTED,
            message=message,
            actor=actor.name,
            data=data,
        )
        audit.append(
            session,
            actor=actor.name,
            action="rollout.start",
            target=f"rollout:{record.id}",
            before=superseded.as_dict() if superseded else None,
            after={**record.as_dict(), "override": not in_window},
            reason=reason,
        )
    return record


def _refuse(
    store: Store, service: str, version: str, *, actor: Actor, plan: Plan, now: dt.datetime
) -> None:
    """Audit the refused start, then raise."""
    windows = plan.describe_windows()
    with store.transaction() as session:
        audit.append(
            session,
            actor=actor.name,
            action="rollout.start_refused",
            target=f"service:{service}",
            after={"version": version, "at": now.isoformat(), "windows": windows},
            reason="outside every cutover window",
        )
    raise OutsideCutoverWindow(
        f"{now:%a %H:%M} UTC is outside the cutover windows ({windows}); wait for a window or "
        "pass --override with --reason"
    )


def _supersede(
    session: Session, current: RolloutRecord, actor: Actor, now: dt.datetime
) -> RolloutRecord | None:
    if not current.active:
        return None
    if current.phase is Phase.ABORTING:
        progress = current.progress.roll_back()
        kind, message = EventKind.ROLLED_BACK, "abort finished: a newer rollout was started"
    else:
        progress = current.progress.supersede()
        kind, message = EventKind.SUPERSEDED, "a newer rollout of the service was started"
    saved = rollouts.save(session, current, now, progress=progress, finished_at=now)
    rollouts.add_event(session, saved, now, kind=kind, message=message, actor=actor.name)
    return saved


Move = Callable[[RolloutRecord, Plan, dt.datetime], tuple[Progress, dict[str, Any]]]


def _operate(
    store: Store,
    service: str,
    *,
    actor: Actor,
    action: str,
    kind: EventKind,
    move: Move,
    reason: str,
    now: dt.datetime | None,
    evidence: bool | None = None,
) -> RolloutRecord:
    """One audited move of the service's current rollout; ``evidence`` records its outcome."""
    moment = _now(now)
    with store.transaction() as session:
        current = _current(session, service)
        plan = Plan.from_json(current.plan)
        progress, changes = move(current, plan, moment)
        saved = rollouts.save(session, current, moment, progress=progress, **changes)
        message = f"{action} by {actor.name}" + (f": {reason}" if reason else "")
        data = {"from": str(current.phase), "to": str(saved.phase), "weight": saved.progress.weight}
        rollouts.add_event(
            session, saved, moment, kind=kind, message=message, actor=actor.name, data=data
        )
        if evidence is not None:
            rollouts.add_evidence(
                session, saved, moment, passed=evidence, actor=actor.name, reason=message
            )
        audit.append(
            session,
            actor=actor.name,
            action=f"rollout.{action}",
            target=f"rollout:{current.id}",
            before=current.as_dict(),
            after=saved.as_dict(),
            reason=reason,
        )
    return saved


def pause(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """Stop the rollout where it is; traffic stays as it is."""

    def move(
        record: RolloutRecord, _plan: Plan, _now: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        return record.progress.pause(), {}

    return _operate(
        store,
        service,
        actor=actor,
        action="pause",
        kind=EventKind.PAUSED,
        move=move,
        reason=reason,
        now=now,
    )


def resume(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """Continue a paused rollout; the current step's analysis window starts again."""

    def move(
        record: RolloutRecord, _plan: Plan, moment: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        return record.progress.resume(), {"step_started_at": moment, "analysed_at": None}

    return _operate(
        store,
        service,
        actor=actor,
        action="resume",
        kind=EventKind.RESUMED,
        move=move,
        reason=reason,
        now=now,
    )


def abort(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """Stop the rollout and send all traffic to the baseline; the controller finishes it."""

    def move(
        record: RolloutRecord, _plan: Plan, _now: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        if (
            record.phase not in BEFORE_PROMOTION
            and record.progress.paused_from not in BEFORE_PROMOTION
        ):
            raise IllegalTransition(
                f"the rollout is {record.phase}, past promotion; use rollback to return to "
                f"{record.baseline}"
            )
        return record.progress.abort(), {}

    return _operate(
        store,
        service,
        actor=actor,
        action="abort",
        kind=EventKind.ABORTED,
        move=move,
        reason=reason,
        now=now,
    )


def rollback(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """All traffic to the baseline at once, in any active phase and outside windows too."""

    def move(
        record: RolloutRecord, _plan: Plan, moment: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        progress = record.progress
        if progress.phase is not Phase.ABORTING:
            progress = progress.abort()
        return progress.roll_back(), {"finished_at": moment}

    return _operate(
        store,
        service,
        actor=actor,
        action="rollback",
        kind=EventKind.ROLLED_BACK,
        move=move,
        reason=reason,
        now=now,
        evidence=False,
    )


def promote(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """Skip the remaining shadow and canary steps; promotion itself still needs any approval."""

    def move(
        record: RolloutRecord, plan: Plan, moment: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        progress = plan.fast_forward(record.progress)
        if progress.phase is Phase.PROMOTED and plan.approval_required and not record.approvals:
            raise ApprovalRequired(
                "promotion needs an approval by another key with rollouts:approve "
                "(`lockgate rollout approve`)"
            )
        changes: dict[str, Any] = {"step_started_at": moment, "analysed_at": None}
        if progress.phase is Phase.PROMOTED:
            changes["promoted_at"] = moment
        return progress, changes

    return _operate(
        store,
        service,
        actor=actor,
        action="promote",
        kind=EventKind.PROMOTED,
        move=move,
        reason=reason,
        now=now,
    )


def _check_approver(record: RolloutRecord, plan: Plan, actor: Actor) -> None:
    if actor.key_id is None or not actor.may(Scope.ROLLOUTS_APPROVE):
        raise ApprovalRefused(
            "approvals are given with an API key holding the scope rollouts:approve"
        )
    if actor.key_id == record.started_key or actor.name == record.started_by:
        raise ApprovalRefused(
            "the key that started a rollout cannot approve it; ask someone else to approve"
        )
    approvers = plan.spec.approvers
    if approvers and actor.key_name not in approvers and actor.key_id not in approvers:
        raise ApprovalRefused(
            f"only the approvers named in rollout.approvers may approve ({', '.join(approvers)})"
        )


def approve(
    store: Store, service: str, *, actor: Actor, reason: str = "", now: dt.datetime | None = None
) -> RolloutRecord:
    """Approve the promotion of the current rollout (another key than the starter's)."""

    def move(
        record: RolloutRecord, plan: Plan, moment: dt.datetime
    ) -> tuple[Progress, dict[str, Any]]:
        _check_approver(record, plan, actor)
        phase = record.progress.paused_from or record.phase
        if phase not in BEFORE_PROMOTION:
            raise IllegalTransition(f"the rollout is {record.phase}; there is nothing to approve")
        approvals = record.approvals
        if all(approval.key_id != actor.key_id for approval in approvals):
            approvals = (*approvals, Approval(actor.name, actor.key_id, moment))
        return record.progress, {"approvals": approvals}

    return _operate(
        store,
        service,
        actor=actor,
        action="approve",
        kind=EventKind.APPROVED,
        move=move,
        reason=reason,
        now=now,
    )


def status(store: Store, *, service: str | None = None, limit: int = 20) -> list[RolloutRecord]:
    """The newest rollouts (of ``service``), newest first."""
    with store.transaction() as session:
        return rollouts.listing(session, service=service, limit=limit)


def events(store: Store, rollout_id: str, *, limit: int = 50) -> list[rollouts.Event]:
    """A rollout's newest events, oldest first."""
    with store.transaction() as session:
        if rollouts.get(session, rollout_id) is None:
            raise RolloutNotFound(f"no rollout with id {rollout_id!r}")
        return rollouts.events(session, rollout_id, limit=limit)
