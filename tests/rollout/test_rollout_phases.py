"""Phases: the transition table, the pure moves, and a rule-based state machine over a real plan."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from lockgate.manifest.cutover import RolloutSpec, Strategy
from lockgate.manifest.service import Stage
from lockgate.rollout.errors import IllegalTransition
from lockgate.rollout.phases import (
    ACTIVE,
    SERVING_CANDIDATE,
    TERMINAL,
    TRANSITIONS,
    Phase,
    Progress,
    check,
)
from lockgate.rollout.plan import Plan, build_plan


def test_every_phase_has_a_row_and_terminal_rows_are_empty() -> None:
    """The table covers every phase; stable, rolled_back and superseded lead nowhere."""
    assert set(TRANSITIONS) == set(Phase)
    for phase in TERMINAL:
        assert TRANSITIONS[phase] == frozenset()
    for phase in ACTIVE - {Phase.ABORTING}:
        assert Phase.SUPERSEDED in TRANSITIONS[phase], phase
    assert TRANSITIONS[Phase.ABORTING] == {Phase.ROLLED_BACK}


def test_illegal_transition_names_the_allowed_targets() -> None:
    """Skipping the pre-flight checks is refused with a message listing where it may go."""
    with pytest.raises(IllegalTransition) as caught:
        check(Phase.PENDING, Phase.CANARY)
    assert "validating" in caught.value.message
    assert caught.value.status == 409
    with pytest.raises(IllegalTransition, match="final"):
        check(Phase.STABLE, Phase.ABORTING)


def test_progress_rejects_inconsistent_weights() -> None:
    """A phase that forces a weight cannot be built with another one."""
    with pytest.raises(ValueError, match="routes 0"):
        Progress(phase=Phase.ROLLED_BACK, weight=10.0)
    with pytest.raises(ValueError, match="paused_from"):
        Progress(phase=Phase.PAUSED, weight=0.0)
    with pytest.raises(ValueError, match=r"0\.\.100"):
        Progress(phase=Phase.CANARY, step=0, weight=120.0)


def test_canary_steps_enter_one_at_a_time() -> None:
    """A canary move always lands on the next step, and needs its weight."""
    progress = Progress().move(Phase.VALIDATING)
    with pytest.raises(ValueError, match="weight"):
        progress.move(Phase.CANARY)
    first = progress.move(Phase.CANARY, weight=10.0)
    second = first.move(Phase.CANARY, weight=50.0)
    assert (first.step, second.step, second.weight) == (0, 1, 50.0)


def test_pause_and_resume_return_to_the_same_place() -> None:
    """A paused canary keeps its step and weight and resumes exactly there."""
    canary = Progress().move(Phase.VALIDATING).move(Phase.CANARY, weight=25.0)
    paused = canary.pause()
    assert paused.weight == 25.0 and paused.paused_from is Phase.CANARY
    with pytest.raises(IllegalTransition, match="resume"):
        paused.move(Phase.CANARY, weight=50.0)
    assert paused.resume() == canary
    with pytest.raises(IllegalTransition, match="not paused"):
        canary.resume()


def _plan(strategy: Strategy, *, approval: bool, steps: int) -> Plan:
    spec = RolloutSpec.model_validate(
        {
            "strategy": str(strategy),
            "steps": [{"weight": 10 * (i + 1), "bake": 1} for i in range(steps)],
            "analysis": {
                "metrics": [
                    {"metric": "error_rate"},
                    {"metric": "shadow_agreement", "compare": False, "floor": 0.9},
                ]
            },
        }
    )
    return build_plan(spec, stage=Stage.POC, approval_required=approval)


class RolloutMachine(RuleBasedStateMachine):
    """Random operator and controller moves over a real plan; the invariants hold throughout."""

    def __init__(self) -> None:
        super().__init__()
        self.plan = _plan(Strategy.CANARY, approval=False, steps=1)
        self.progress = Progress()
        self.entered_steps: list[int] = []
        self.visited: set[Phase] = {Phase.PENDING}
        self.terminal: Progress | None = None

    @initialize(
        strategy=st.sampled_from(list(Strategy)),
        approval=st.booleans(),
        steps=st.integers(min_value=0, max_value=4),
    )
    def choose_plan(self, strategy: Strategy, approval: bool, steps: int) -> None:
        self.plan = _plan(strategy, approval=approval, steps=steps)

    def _apply(self, move: str) -> None:
        before = self.progress
        try:
            after = getattr(self, f"_do_{move}")(before)
        except IllegalTransition:
            return
        if after.phase is Phase.CANARY and after.step != before.step:
            self.entered_steps.append(after.step)
        self.progress = after
        self.visited.add(after.phase)
        if after.terminal and self.terminal is None:
            self.terminal = after

    def _do_advance(self, progress: Progress) -> Progress:
        return self.plan.advance(progress)

    def _do_promote(self, progress: Progress) -> Progress:
        return self.plan.fast_forward(progress)

    @staticmethod
    def _do_pause(progress: Progress) -> Progress:
        return progress.pause()

    @staticmethod
    def _do_resume(progress: Progress) -> Progress:
        return progress.resume()

    @staticmethod
    def _do_abort(progress: Progress) -> Progress:
        return progress.abort()

    @staticmethod
    def _do_finish_abort(progress: Progress) -> Progress:
        return progress.roll_back()

    @staticmethod
    def _do_supersede(progress: Progress) -> Progress:
        return progress.supersede()

    @rule()
    def advance(self) -> None:
        self._apply("advance")

    @rule()
    def promote(self) -> None:
        self._apply("promote")

    @rule()
    def pause(self) -> None:
        self._apply("pause")

    @rule()
    def resume(self) -> None:
        self._apply("resume")

    @rule()
    def abort(self) -> None:
        self._apply("abort")

    @rule()
    def finish_abort(self) -> None:
        self._apply("finish_abort")

    @precondition(lambda self: self.progress.terminal)
    @rule(move=st.sampled_from(["advance", "promote", "pause", "resume", "abort", "supersede"]))
    def terminal_stays_terminal(self, move: str) -> None:
        before = self.progress
        with pytest.raises(IllegalTransition):
            getattr(self, f"_do_{move}")(before)
        assert self.progress == before

    @rule()
    def supersede(self) -> None:
        self._apply("supersede")

    @invariant()
    def weight_is_zero_unless_routing_to_the_candidate(self) -> None:
        phase = self.progress.phase
        if phase in {Phase.ROLLED_BACK, Phase.ABORTING, Phase.SUPERSEDED}:
            assert self.progress.weight == 0.0
        if phase in SERVING_CANDIDATE:
            assert self.progress.weight == 100.0
        if phase is Phase.CANARY:
            assert self.progress.weight == self.plan.steps[self.progress.step].weight

    @invariant()
    def no_step_is_skipped_or_repeated(self) -> None:
        assert self.entered_steps == list(range(len(self.entered_steps)))
        assert len(self.entered_steps) <= len(self.plan.steps)

    @invariant()
    def terminal_phases_stay_terminal(self) -> None:
        if self.terminal is not None:
            assert self.progress == self.terminal

    @invariant()
    def promotion_waits_for_the_gate_when_approval_is_required(self) -> None:
        if self.progress.phase in SERVING_CANDIDATE:
            assert Phase.VALIDATING in self.visited
            if self.plan.approval_required:
                assert Phase.AWAITING_PROMOTION in self.visited


RolloutMachine.TestCase.settings = settings(
    max_examples=100,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestRolloutPhases = RolloutMachine.TestCase
