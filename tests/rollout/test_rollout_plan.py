"""The plan: steps and rules from the manifest, approval defaults, cutover windows, storage."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from lockgate.manifest.cutover import CutoverWindow, RolloutSpec, Strategy
from lockgate.manifest.service import Stage
from lockgate.rollout.errors import IllegalTransition, InvalidPlan
from lockgate.rollout.phases import Phase, Progress
from lockgate.rollout.plan import DEFAULT_WEIGHTS, Plan, build_plan, window
from tests.rollout.helpers import rollout_section

UTC = dt.UTC


def _spec(**changes: Any) -> RolloutSpec:
    return RolloutSpec.model_validate(rollout_section(**changes))


def test_main_line_of_a_canary_with_approval() -> None:
    """validating -> step 1 -> step 2 -> awaiting_promotion -> promoted -> watch -> stable."""
    plan = build_plan(_spec(), stage=Stage.PRODUCTION)
    assert plan.approval_required
    seen = []
    progress = Progress()
    while not progress.terminal:
        progress = plan.advance(progress)
        seen.append((progress.phase, progress.weight))
    assert seen == [
        (Phase.VALIDATING, 0.0),
        (Phase.CANARY, 10.0),
        (Phase.CANARY, 50.0),
        (Phase.AWAITING_PROMOTION, 50.0),
        (Phase.PROMOTED, 100.0),
        (Phase.POST_PROMOTION_WATCH, 100.0),
        (Phase.STABLE, 100.0),
    ]


def test_approval_defaults_by_stage_and_can_be_set() -> None:
    """Production requires approval unless the manifest says otherwise; other stages do not."""
    assert not build_plan(_spec(), stage=Stage.STAGING).approval_required
    assert not build_plan(_spec(approval_required=False), stage=Stage.PRODUCTION).approval_required
    assert build_plan(_spec(approval_required=True), stage=Stage.POC).approval_required


def test_blue_green_switches_at_once_and_keeps_the_old_version_warm() -> None:
    """Blue-green has no steps: 0 % until promotion, then 100 %; the watch lasts keep_warm."""
    plan = build_plan(
        _spec(keep_warm="10m", post_promotion_watch="1m"),
        stage=Stage.POC,
        strategy=Strategy.BLUE_GREEN,
    )
    validating = plan.advance(Progress())
    promoted = plan.advance(validating)
    assert plan.steps == ()
    assert (validating.weight, promoted.phase, promoted.weight) == (0.0, Phase.PROMOTED, 100.0)
    assert plan.watch == 600.0


def test_shadow_strategy_needs_an_absolute_agreement_rule() -> None:
    """Shadowed answers have no baseline to compare with, so the rule must judge a floor."""
    with pytest.raises(InvalidPlan, match="shadow_agreement"):
        build_plan(_spec(), stage=Stage.POC, strategy=Strategy.SHADOW)
    analysis = rollout_section()["analysis"] | {
        "metrics": [
            {"metric": "error_rate"},
            {"metric": "shadow_agreement", "compare": False, "floor": 0.9},
        ]
    }
    plan = build_plan(_spec(analysis=analysis), stage=Stage.POC, strategy=Strategy.SHADOW)
    assert plan.advance(Progress(phase=Phase.VALIDATING)).phase is Phase.SHADOW
    assert plan.shadow_rules is not None and len(plan.shadow_rules.metrics) == 1
    assert plan.live_rules is not None and plan.live_rules.metrics[0].metric == "error_rate"


def test_a_canary_without_steps_gets_the_default_steps() -> None:
    """An empty steps list is a 10 % then 50 % canary."""
    plan = build_plan(_spec(steps=[]), stage=Stage.POC)
    assert tuple(step.weight for step in plan.steps) == DEFAULT_WEIGHTS


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"weight": 50}, {"weight": 10}], "strictly increasing"),
        ([{"weight": 0}], "above 0"),
        ([{"weight": 10, "bake": "10m"}], "shorter than"),
    ],
)
def test_bad_steps_are_plan_errors(steps: list[dict[str, Any]], message: str) -> None:
    """Decreasing weights, a zero weight or a bake beyond the deadline are refused."""
    with pytest.raises(InvalidPlan, match=message):
        build_plan(_spec(steps=steps), stage=Stage.POC)


def test_promote_skips_to_the_gate_but_not_past_pre_flight() -> None:
    """A manual promotion leaves the canary; before the pre-flight checks passed it is refused."""
    plan = build_plan(_spec(), stage=Stage.PRODUCTION)
    canary = plan.advance(plan.advance(Progress()))
    assert plan.fast_forward(canary).phase is Phase.AWAITING_PROMOTION
    with pytest.raises(IllegalTransition, match="pre-flight"):
        plan.fast_forward(Progress(phase=Phase.VALIDATING))


def test_window_in_local_time_across_daylight_saving() -> None:
    """09:00-16:00 Berlin is 08:00 UTC in winter and 07:00 UTC in summer."""
    berlin = window(CutoverWindow(days=["mon", "tue"], timezone="Europe/Berlin"))
    assert berlin.contains(dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC))
    assert not berlin.contains(dt.datetime(2026, 1, 5, 7, 59, tzinfo=UTC))
    assert berlin.contains(dt.datetime(2026, 7, 6, 7, 0, tzinfo=UTC))
    assert not berlin.contains(dt.datetime(2026, 7, 6, 14, 0, tzinfo=UTC))
    assert not berlin.contains(dt.datetime(2026, 1, 7, 10, 0, tzinfo=UTC))  # a Wednesday
    with pytest.raises(ValueError, match="aware"):
        berlin.contains(dt.datetime(2026, 1, 5, 10, 0))  # noqa: DTZ001


def test_overnight_window_belongs_to_the_day_it_starts() -> None:
    """Friday 22:00-02:00 covers Friday night and the early hours of Saturday only."""
    night = window(CutoverWindow(days=["fri"], start="22:00", end="02:00"))
    assert night.contains(dt.datetime(2026, 1, 9, 23, 0, tzinfo=UTC))
    assert night.contains(dt.datetime(2026, 1, 10, 1, 59, tzinfo=UTC))
    assert not night.contains(dt.datetime(2026, 1, 10, 2, 0, tzinfo=UTC))
    assert not night.contains(dt.datetime(2026, 1, 8, 23, 0, tzinfo=UTC))


def test_bad_window_values_are_plan_errors() -> None:
    """An unknown time zone or an impossible time names the field."""
    with pytest.raises(InvalidPlan, match="timezone"):
        window(CutoverWindow(timezone="Mars/Olympus"))
    with pytest.raises(InvalidPlan, match="start"):
        window(CutoverWindow(start="25:00"))


def test_without_windows_any_time_is_in_window() -> None:
    """No windows means no restriction; with windows only their union is open."""
    assert build_plan(_spec(), stage=Stage.POC).in_window(dt.datetime(2026, 1, 10, tzinfo=UTC))
    plan = build_plan(_spec(windows=[{"days": ["sat"]}, {"days": ["mon"]}]), stage=Stage.POC)
    assert plan.in_window(dt.datetime(2026, 1, 10, 10, 0, tzinfo=UTC))
    assert not plan.in_window(dt.datetime(2026, 1, 11, 10, 0, tzinfo=UTC))
    assert "sat" in plan.describe_windows()


def test_plan_round_trips_through_json() -> None:
    """The stored plan rebuilds the same steps, rules, strategy and approval."""
    plan = build_plan(_spec(), stage=Stage.PRODUCTION, strategy=Strategy.CANARY)
    again = Plan.from_json(plan.to_json())
    assert again == plan
    with pytest.raises(InvalidPlan):
        Plan.from_json({"spec": {"steps": "many"}, "strategy": "canary"})
