"""The rollout controller: one lease holder among the replicas reconciles every running rollout.

Every ``period`` seconds each replica tries to take or renew the lease (``leases`` row, about ten
seconds long). Only the holder reconciles: for each active rollout it runs one small step that may
return early (``reconcile``): start validation, run the pre-flight checks, analyse the current
step when an analysis interval has passed, wait for approval, watch after promotion, finish an
abort and notify. Each write checks the lease again inside its transaction, so a holder that lost
the lease (paused, partitioned) cannot act; a new holder resumes from the stored state after the
old lease expires, with no step skipped or repeated.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import structlog
from sqlalchemy.orm import Session

from lockgate.errors import LockgateError
from lockgate.rollout import reconcile
from lockgate.rollout.errors import RolloutChanged
from lockgate.rollout.events import EventKind
from lockgate.rollout.notify import Notice, Notifier
from lockgate.rollout.phases import Phase
from lockgate.rollout.plan import Plan
from lockgate.rollout.preflight import Preflight, PreflightResult, SkipPreflight
from lockgate.store import rollouts
from lockgate.store.db import Store
from lockgate.store.rollouts import RolloutRecord

log = structlog.get_logger("lockgate.rollout.controller")

LEASE = "rollout-controller"
LEASE_TTL = 10.0
PERIOD = 2.0

Step = Callable[[Session, RolloutRecord, Plan, dt.datetime], RolloutRecord]


class LeaseLost(Exception):
    """This replica no longer holds the lease; it must stop acting."""


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one tick did."""

    leader: bool
    moved: tuple[str, ...] = ()


class RolloutController:
    """Reconciles rollouts while holding the lease; one per gateway process."""

    def __init__(
        self,
        store: Store,
        replica_id: str,
        notifier: Notifier,
        *,
        preflight: Preflight | None = None,
        lease_ttl: float = LEASE_TTL,
        period: float = PERIOD,
        clock: Callable[[], dt.datetime] = _utcnow,
    ) -> None:
        if period * 2 >= lease_ttl:
            raise ValueError("the lease must last more than two periods, or it lapses between")
        self._store = store
        self.replica_id = replica_id
        self._notifier = notifier
        self._preflight = preflight or SkipPreflight()
        self._ttl = dt.timedelta(seconds=lease_ttl)
        self.period = period
        self._clock = clock
        self.leader = False

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Tick every ``period`` seconds until cancelled; the lease is released on the way out."""
        try:
            while True:
                try:
                    await self.tick()
                except Exception:
                    log.exception("rollout_controller_tick_failed", replica=self.replica_id)
                await asyncio.sleep(self.period)
        finally:
            try:
                await asyncio.to_thread(self.release)
            except Exception:
                log.exception("rollout_lease_release_failed", replica=self.replica_id)

    async def tick(self) -> TickReport:
        """Take or renew the lease; when held, reconcile every active rollout once."""
        leader = await asyncio.to_thread(self._acquire)
        if leader != self.leader:
            log.info("rollout_lease", replica=self.replica_id, leader=leader)
        self.leader = leader
        if not leader:
            return TickReport(leader=False)
        moved: list[str] = []
        for record in await asyncio.to_thread(self._active):
            try:
                if await self._reconcile(record):
                    moved.append(record.id)
            except RolloutChanged as exc:
                log.info("rollout_changed_meanwhile", rollout=record.id, detail=exc.message)
            except LeaseLost:
                log.warning("rollout_lease_lost", replica=self.replica_id)
                self.leader = False
                break
            except (LockgateError, ValueError):
                log.exception("rollout_reconcile_failed", rollout=record.id)
        return TickReport(leader=self.leader, moved=tuple(moved))

    def release(self) -> None:
        """Give the lease up so another replica takes over at once."""
        with self._store.transaction() as session:
            rollouts.release_lease(session, LEASE, self.replica_id, self._clock())
        self.leader = False

    def _acquire(self) -> bool:
        with self._store.transaction() as session:
            return rollouts.acquire_lease(session, LEASE, self.replica_id, self._clock(), self._ttl)

    def _active(self) -> list[RolloutRecord]:
        with self._store.transaction() as session:
            return rollouts.active(session)

    # -- one rollout -------------------------------------------------------------------------

    def _write(self, record: RolloutRecord, step: Step) -> RolloutRecord:
        """Run ``step`` in one transaction, if the lease is still ours and the rollout unchanged."""
        now = self._clock()
        with self._store.transaction() as session:
            if not rollouts.holds_lease(session, LEASE, self.replica_id, now):
                raise LeaseLost
            current = rollouts.get(session, record.id, lock=True)
            if current is None or current.revision != record.revision:
                raise RolloutChanged(f"rollout {record.id} moved since it was read")
            return step(session, current, Plan.from_json(current.plan), now)

    def _due(self, record: RolloutRecord, plan: Plan) -> bool:
        if record.analysed_at is None:
            return True
        slack = dt.timedelta(seconds=min(self.period, plan.interval) / 2)
        return self._clock() >= record.analysed_at + dt.timedelta(seconds=plan.interval) - slack

    async def _reconcile(self, record: RolloutRecord) -> bool:
        """One step for ``record``; True when it was written."""
        plan = Plan.from_json(record.plan)
        match record.phase:
            case Phase.PENDING:
                step: Step = reconcile.begin
            case Phase.VALIDATING:
                result = await self._preflight.run(record, plan)
                step = _with_result(result)
            case Phase.SHADOW | Phase.CANARY if self._due(record, plan):
                step = reconcile.analyse_step
            case Phase.POST_PROMOTION_WATCH if self._due(record, plan):
                step = reconcile.watch
            case Phase.AWAITING_PROMOTION:
                step = reconcile.gate
            case Phase.PROMOTED:
                step = reconcile.start_watch
            case Phase.ABORTING:
                await self._finish_abort(record)
                return True
            case _:
                return False
        saved = await asyncio.to_thread(self._write, record, step)
        if saved.phase is Phase.ABORTING:
            await self._finish_abort(saved)
        elif saved.phase is Phase.STABLE:
            await self._tell(saved, "stable", f"{saved.candidate} is stable", {})
        return saved.revision != record.revision

    async def _finish_abort(self, record: RolloutRecord) -> None:
        """Notify, then mark the rollout rolled back (a crash in between notifies again)."""
        reason, data = await asyncio.to_thread(self._reason, record)
        notified = await self._tell(record, "rolled_back", reason, data)

        def finish(
            session: Session, current: RolloutRecord, _plan: Plan, now: dt.datetime
        ) -> RolloutRecord:
            return reconcile.finish_abort(session, current, now, notified=notified)

        await asyncio.to_thread(self._write, record, finish)

    def _reason(self, record: RolloutRecord) -> tuple[str, dict[str, object]]:
        with self._store.transaction() as session:
            return reconcile.failure_reason(session, record)

    async def _tell(
        self, record: RolloutRecord, kind: str, reason: str, data: dict[str, object]
    ) -> str:
        notice = Notice(
            kind=kind,
            rollout_id=record.id,
            service=record.service,
            baseline=record.baseline,
            candidate=record.candidate,
            phase=str(record.phase),
            reason=reason,
            at=self._clock(),
            data=dict(data),
        )
        try:
            delivered = await self._notifier.notify(notice)
        except LockgateError as exc:
            log.warning("rollout_notification_failed", rollout=record.id, detail=exc.message)
            await asyncio.to_thread(self._note, record, EventKind.NOTIFICATION_FAILED, exc.message)
            return f"notification failed: {exc.message}"
        if not delivered:
            return "no notifier configured"
        message = f"{kind} notice delivered to {delivered} notifier(s)"
        await asyncio.to_thread(self._note, record, EventKind.NOTIFIED, message)
        return message

    def _note(self, record: RolloutRecord, kind: EventKind, message: str) -> None:
        with self._store.transaction() as session:
            rollouts.add_event(
                session,
                record,
                self._clock(),
                kind=kind,
                message=message,
                actor=reconcile.CONTROLLER,
            )


def _with_result(result: PreflightResult) -> Step:
    def step(
        session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime
    ) -> RolloutRecord:
        return reconcile.preflight_done(session, record, plan, now, result)

    return step
