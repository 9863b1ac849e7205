"""The reconcile steps: each takes a rollout as read in the caller's transaction and moves it once.

Every function here runs inside one transaction that the controller opened after checking its
lease; it reads measurements, decides with ``decide``, writes the new state with
``rollouts.save`` (guarded by the revision, phase and step it read) and appends the event with
the reason and the numbers. A step therefore happens exactly once, whichever process runs it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from lockgate.rollout import analysis
from lockgate.rollout.analysis import AnalysisRules, ArmMeasurements, StepVerdict
from lockgate.rollout.decide import Action, Decision, judge_step, judge_watch
from lockgate.rollout.events import EventKind
from lockgate.rollout.measure import window_start
from lockgate.rollout.phases import Phase, Progress
from lockgate.rollout.plan import Plan
from lockgate.rollout.preflight import PreflightResult
from lockgate.store import rollouts
from lockgate.store.rollouts import BASELINE, CANDIDATE, RolloutRecord

CONTROLLER = "controller"
NO_DEADLINE = dt.timedelta(days=36500)


def describe(progress: Progress, candidate: str) -> str:
    """E.g. ``canary step 2 (25 % to v2)``."""
    if progress.phase is Phase.CANARY:
        return f"canary step {progress.step + 1} ({progress.weight:g} % to {candidate})"
    return f"{progress.phase} ({progress.weight:g} % to {candidate})"


def _advance(
    session: Session,
    record: RolloutRecord,
    plan: Plan,
    now: dt.datetime,
    *,
    reason: str,
    data: dict[str, Any] | None = None,
    verdict: dict[str, Any] | None = None,
) -> RolloutRecord:
    progress = plan.advance(record.progress)
    changes: dict[str, Any] = {"step_started_at": now, "analysed_at": None}
    if verdict is not None:
        changes["last_verdict"] = verdict
    if progress.phase is Phase.PROMOTED:
        changes["promoted_at"] = now
    if progress.phase is Phase.STABLE:
        changes["finished_at"] = now
    saved = rollouts.save(session, record, now, progress=progress, **changes)
    kind = {
        Phase.PROMOTED: EventKind.PROMOTED,
        Phase.STABLE: EventKind.STABLE,
    }.get(progress.phase, EventKind.ADVANCED)
    message = f"{reason}; now {describe(progress, record.candidate)}"
    rollouts.add_event(
        session, record, now, kind=kind, message=message, actor=CONTROLLER, data=data
    )
    if progress.phase is Phase.STABLE:
        rollouts.add_evidence(session, record, now, passed=True, actor=CONTROLLER, reason=reason)
    if progress.phase is Phase.AWAITING_PROMOTION and not record.approvals:
        rollouts.add_event(
            session,
            saved,
            now,
            kind=EventKind.AWAITING_APPROVAL,
            actor=CONTROLLER,
            message="waiting for an approval by a key with rollouts:approve other than the "
            "starter's (`lockgate rollout approve`)",
        )
    return saved


def fail(
    session: Session,
    record: RolloutRecord,
    now: dt.datetime,
    *,
    reason: str,
    data: dict[str, Any] | None = None,
    verdict: dict[str, Any] | None = None,
) -> RolloutRecord:
    """Send all traffic to the baseline now (``aborting``); ``finish_abort`` follows."""
    changes: dict[str, Any] = {"analysed_at": now}
    if verdict is not None:
        changes["last_verdict"] = verdict
    saved = rollouts.save(session, record, now, progress=record.progress.abort(), **changes)
    rollouts.add_event(
        session, record, now, kind=EventKind.FAILED, message=reason, actor=CONTROLLER, data=data
    )
    return saved


def begin(session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime) -> RolloutRecord:
    """``pending`` -> ``validating``."""
    return _advance(session, record, plan, now, reason="pre-flight checks started")


def preflight_done(
    session: Session,
    record: RolloutRecord,
    plan: Plan,
    now: dt.datetime,
    result: PreflightResult,
) -> RolloutRecord:
    """Record the pre-flight result; advance on a pass, fail otherwise."""
    data = result.to_json()
    if not result.passed:
        return fail(session, record, now, reason=result.reason, data=data)
    rollouts.add_event(
        session,
        record,
        now,
        kind=EventKind.PREFLIGHT,
        message=result.reason,
        actor=CONTROLLER,
        data=data,
    )
    return _advance(session, record, plan, now, reason="pre-flight passed")


def _arms(
    session: Session,
    record: RolloutRecord,
    *,
    since: dt.datetime | None = None,
    before: dt.datetime | None = None,
) -> tuple[ArmMeasurements, ArmMeasurements]:
    arms = rollouts.measured(session, record.id, since=since, before=before)
    return arms[BASELINE], arms[CANDIDATE]


def _evidence(
    verdict: StepVerdict | None,
    decision: Decision,
    baseline: ArmMeasurements,
    candidate: ArmMeasurements,
    window: dt.datetime,
) -> dict[str, Any]:
    return {
        "decision": decision.to_json(),
        "verdict": verdict.to_json() if verdict is not None else None,
        "window_start": window.isoformat(),
        "baseline": {"requests": baseline.requests, "errors": baseline.errors},
        "candidate": {
            "requests": candidate.requests,
            "errors": candidate.errors,
            "shadow_agree": candidate.shadow_agree,
            "shadow_disagree": candidate.shadow_disagree,
        },
    }


def _record_decision(
    session: Session,
    record: RolloutRecord,
    plan: Plan,
    now: dt.datetime,
    *,
    decision: Decision,
    verdict: StepVerdict | None,
    data: dict[str, Any],
) -> RolloutRecord:
    verdict_json = verdict.to_json() if verdict is not None else None
    match decision.action:
        case Action.ADVANCE:
            return _advance(
                session,
                record,
                plan,
                now,
                reason=decision.reason,
                data=data,
                verdict=verdict_json,
            )
        case Action.ROLLBACK:
            return fail(
                session, record, now, reason=decision.reason, data=data, verdict=verdict_json
            )
    saved = rollouts.save(session, record, now, analysed_at=now, last_verdict=verdict_json)
    kind = EventKind.EXTENDED if decision.action is Action.EXTEND else EventKind.ANALYSIS
    rollouts.add_event(
        session, record, now, kind=kind, message=decision.reason, actor=CONTROLLER, data=data
    )
    return saved


def analyse_step(
    session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime
) -> RolloutRecord:
    """Judge the shadow phase or the current canary step on its window's measurements."""
    shadow = record.phase is Phase.SHADOW
    rules = plan.shadow_rules if shadow else plan.live_rules
    assert rules is not None, "build_plan guarantees rules for every analysed phase"
    window = window_start(record.step_started_at, plan.interval)
    baseline, candidate = _arms(session, record, since=window)
    elapsed = now - record.step_started_at
    verdict = analysis.evaluate(
        rules, baseline, candidate, elapsed=elapsed, deadline=dt.timedelta(seconds=plan.deadline)
    )
    decision = judge_step(
        verdict,
        None if shadow else plan.current_step(record.progress),
        elapsed=elapsed.total_seconds(),
        deadline=plan.deadline,
        candidate_requests=candidate.shadow_total if shadow else candidate.requests,
    )
    data = _evidence(verdict, decision, baseline, candidate, window)
    return _record_decision(
        session, record, plan, now, decision=decision, verdict=verdict, data=data
    )


def _watch_verdict(
    rules: AnalysisRules | None,
    baseline: ArmMeasurements,
    candidate: ArmMeasurements,
    elapsed: dt.timedelta,
) -> StepVerdict | None:
    if rules is None:
        return None
    return analysis.evaluate(rules, baseline, candidate, elapsed=elapsed, deadline=NO_DEADLINE)


def watch(session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime) -> RolloutRecord:
    """Judge the promoted candidate against the baseline's measurements from before promotion."""
    promoted = record.promoted_at or record.step_started_at
    window = window_start(promoted, plan.interval)
    baseline, _ = _arms(session, record, before=window)
    _, candidate = _arms(session, record, since=window)
    elapsed = now - promoted
    verdict = _watch_verdict(plan.live_rules, baseline, candidate, elapsed)
    decision = judge_watch(verdict, elapsed=elapsed.total_seconds(), watch=plan.watch)
    data = _evidence(verdict, decision, baseline, candidate, window)
    return _record_decision(
        session, record, plan, now, decision=decision, verdict=verdict, data=data
    )


def gate(session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime) -> RolloutRecord:
    """Promote once approved (or when no approval is required); otherwise keep waiting."""
    if plan.approval_required and not record.approvals:
        return record
    who = ", ".join(approval.actor for approval in record.approvals) or "no approval required"
    return _advance(session, record, plan, now, reason=f"approved ({who})")


def start_watch(
    session: Session, record: RolloutRecord, plan: Plan, now: dt.datetime
) -> RolloutRecord:
    """``promoted`` -> ``post_promotion_watch``."""
    return _advance(session, record, plan, now, reason=f"watching for {plan.watch:g}s")


def finish_abort(
    session: Session, record: RolloutRecord, now: dt.datetime, *, notified: str
) -> RolloutRecord:
    """``aborting`` -> ``rolled_back``, noting how the notification went."""
    saved = rollouts.save(
        session, record, now, progress=record.progress.roll_back(), finished_at=now
    )
    reason, _ = failure_reason(session, record)
    rollouts.add_evidence(session, record, now, passed=False, actor=CONTROLLER, reason=reason)
    rollouts.add_event(
        session,
        record,
        now,
        kind=EventKind.ROLLED_BACK,
        actor=CONTROLLER,
        message=f"all traffic on {record.baseline}; {notified}",
    )
    return saved


def failure_reason(session: Session, record: RolloutRecord) -> tuple[str, dict[str, Any]]:
    """Why the rollout is aborting: the newest failure or abort event."""
    found = rollouts.events(
        session, record.id, limit=1, kinds=[EventKind.FAILED, EventKind.ABORTED]
    )
    if not found:
        return "aborted", {}
    return found[-1].message, found[-1].data or {}
