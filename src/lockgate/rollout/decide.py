"""What to do with a verdict: wait, extend, advance or roll back. Pure; every decision has a reason.

A step (or the shadow phase) advances when the analysis passed, the step baked for its ``bake``
time and the candidate served at least ``min_requests`` requests in the step. A failed verdict
(including the analysis deadline) rolls back at once. Anything else waits while baking and is
*extended* after, until the deadline turns it into a failure. The post-promotion watch rolls back
on a failure and otherwise ends after its duration.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lockgate.rollout.analysis import Status, StepVerdict
from lockgate.rollout.plan import Step


class Action(StrEnum):
    """The controller's next move for a rollout."""

    WAIT = "wait"
    EXTEND = "extend"
    ADVANCE = "advance"
    ROLLBACK = "rollback"


@dataclass(frozen=True, slots=True)
class Decision:
    """An action, why, and the numbers it was based on."""

    action: Action
    reason: str
    numbers: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """JSON form for events."""
        return {"action": str(self.action), "reason": self.reason, **self.numbers}


def judge_step(
    verdict: StepVerdict,
    step: Step | None,
    *,
    elapsed: float,
    deadline: float,
    candidate_requests: int,
) -> Decision:
    """The decision for a canary step (or, with ``step`` None, the shadow phase)."""
    bake = step.bake if step is not None else 0.0
    needed = step.min_requests if step is not None else 0
    numbers = {
        "elapsed_seconds": round(elapsed, 3),
        "bake_seconds": bake,
        "deadline_seconds": deadline,
        "candidate_requests": candidate_requests,
        "min_requests": needed,
        "status": str(verdict.status),
        "code": str(verdict.code),
    }
    if verdict.status is Status.FAIL:
        return Decision(Action.ROLLBACK, verdict.reason, numbers)
    baking = elapsed < bake
    if verdict.status is Status.PASS and not baking:
        if candidate_requests >= needed:
            reason = (
                f"analysis passed after {elapsed:.0f}s baked (bake {bake:g}s) with "
                f"{candidate_requests} candidate requests (min {needed})"
            )
            return Decision(Action.ADVANCE, reason, numbers)
        if elapsed >= deadline:
            reason = (
                f"deadline {deadline:g}s reached with {candidate_requests} candidate requests, "
                f"fewer than min_requests {needed}"
            )
            return Decision(Action.ROLLBACK, reason, numbers)
        reason = f"analysis passed but only {candidate_requests} of {needed} candidate requests"
        return Decision(Action.EXTEND, reason, numbers)
    if baking:
        reason = f"baking {elapsed:.0f}s of {bake:g}s; analysis {verdict.status}: {verdict.reason}"
        return Decision(Action.WAIT, reason, numbers)
    reason = (
        f"analysis {verdict.status} after {elapsed:.0f}s, extended up to the deadline "
        f"{deadline:g}s: {verdict.reason}"
    )
    return Decision(Action.EXTEND, reason, numbers)


def judge_watch(verdict: StepVerdict | None, *, elapsed: float, watch: float) -> Decision:
    """The decision during the post-promotion watch (``verdict`` None: no rules to judge)."""
    numbers: dict[str, Any] = {"elapsed_seconds": round(elapsed, 3), "watch_seconds": watch}
    if verdict is not None:
        numbers.update(status=str(verdict.status), code=str(verdict.code))
        if verdict.status is Status.FAIL:
            return Decision(Action.ROLLBACK, verdict.reason, numbers)
    if elapsed >= watch:
        summary = f"; last analysis {verdict.status}" if verdict is not None else ""
        reason = f"watched {elapsed:.0f}s of {watch:g}s after promotion without a failure{summary}"
        return Decision(Action.ADVANCE, reason, numbers)
    return Decision(Action.WAIT, f"watching {elapsed:.0f}s of {watch:g}s after promotion", numbers)
