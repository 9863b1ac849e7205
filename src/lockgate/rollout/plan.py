"""The rollout plan: the manifest's ``rollout`` section turned into steps, rules, gates and windows.

Pure: no I/O. A plan is stored with each rollout (``to_json`` / ``from_json``), so every replica
and every later lease holder drives a rollout by the plan it started with, even after the
manifest changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import ValidationError

from lockgate.manifest.cutover import CutoverWindow, PreflightSpec, RolloutSpec, Strategy
from lockgate.manifest.service import Stage
from lockgate.rollout.analysis import AnalysisRules, ShadowAgreementRule
from lockgate.rollout.errors import IllegalTransition, InvalidPlan
from lockgate.rollout.phases import Phase, Progress

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DEFAULT_WEIGHTS = (10.0, 50.0)
_NEXT = {
    Phase.PENDING: Phase.VALIDATING,
    Phase.AWAITING_PROMOTION: Phase.PROMOTED,
    Phase.PROMOTED: Phase.POST_PROMOTION_WATCH,
    Phase.POST_PROMOTION_WATCH: Phase.STABLE,
}


@dataclass(frozen=True, slots=True)
class Step:
    """One canary step: route ``weight`` percent to the candidate, bake, then analyse."""

    weight: float
    bake: float
    min_requests: int


@dataclass(frozen=True, slots=True)
class Window:
    """When rollouts may start: days and a local time span in a time zone.

    A span whose end is not after its start runs past midnight into the next day.
    """

    days: frozenset[int]
    start: dt.time
    end: dt.time
    zone: ZoneInfo

    def contains(self, now: dt.datetime) -> bool:
        """True when ``now`` (timezone-aware) falls inside the window."""
        if now.tzinfo is None:
            raise ValueError("pass a timezone-aware datetime")
        local = now.astimezone(self.zone)
        moment = local.time().replace(tzinfo=None)
        day = local.weekday()
        if self.start < self.end:
            return day in self.days and self.start <= moment < self.end
        if moment >= self.start:
            return day in self.days
        return moment < self.end and (day - 1) % 7 in self.days

    def describe(self) -> str:
        """E.g. ``mon-thu 09:00-16:00 Europe/Berlin``."""
        days = ",".join(WEEKDAYS[day] for day in sorted(self.days))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M} {self.zone.key}"


def _clock(value: str, field: str) -> dt.time:
    hours, _, minutes = value.partition(":")
    try:
        return dt.time(int(hours), int(minutes))
    except ValueError:
        raise InvalidPlan(
            f"rollout.windows {field} {value!r} is not a time of day (HH:MM)"
        ) from None


def window(spec: CutoverWindow) -> Window:
    """A window from its manifest form; unknown time zones are plan errors."""
    try:
        zone = ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidPlan(
            f"rollout.windows timezone {spec.timezone!r} is unknown; use an IANA name such as "
            "'Europe/Berlin' or 'UTC'"
        ) from None
    return Window(
        days=frozenset(WEEKDAYS.index(day) for day in spec.days),
        start=_clock(spec.start, "start"),
        end=_clock(spec.end, "end"),
        zone=zone,
    )


def _split_rules(rules: AnalysisRules) -> tuple[AnalysisRules | None, AnalysisRules | None]:
    """(rules for traffic-carrying phases, rules for the shadow phase)."""
    shadow = tuple(r for r in rules.metrics if isinstance(r, ShadowAgreementRule))
    live = tuple(r for r in rules.metrics if not isinstance(r, ShadowAgreementRule))
    return (
        AnalysisRules(alpha=rules.alpha, metrics=live) if live else None,
        AnalysisRules(alpha=rules.alpha, metrics=shadow) if shadow else None,
    )


def _steps(spec: RolloutSpec, strategy: Strategy) -> tuple[Step, ...]:
    if strategy is Strategy.BLUE_GREEN:
        return ()
    steps = tuple(Step(s.weight, s.bake, s.min_requests) for s in spec.steps)
    if not steps and strategy is Strategy.CANARY:
        steps = tuple(Step(weight, 60.0, 100) for weight in DEFAULT_WEIGHTS)
    weights = [step.weight for step in steps]
    if any(weight <= 0 for weight in weights) or weights != sorted(set(weights)):
        raise InvalidPlan(
            f"rollout.steps weights {weights} must be above 0 and strictly increasing"
        )
    deadline = spec.analysis.deadline
    if any(step.bake >= deadline for step in steps):
        raise InvalidPlan(
            f"every step's bake must be shorter than rollout.analysis.deadline ({deadline:g}s)"
        )
    return steps


@dataclass(frozen=True, slots=True)
class Plan:
    """How one rollout proceeds."""

    spec: RolloutSpec
    strategy: Strategy
    steps: tuple[Step, ...]
    windows: tuple[Window, ...]
    approval_required: bool
    live_rules: AnalysisRules | None
    shadow_rules: AnalysisRules | None

    @property
    def interval(self) -> float:
        """Seconds between two analyses."""
        return self.spec.analysis.interval

    @property
    def deadline(self) -> float:
        """Seconds after which an inconclusive step fails."""
        return self.spec.analysis.deadline

    @property
    def shadow(self) -> bool:
        """True when the candidate is shadowed before it serves anyone."""
        return self.strategy is Strategy.SHADOW

    @property
    def watch(self) -> float:
        """Seconds of post-promotion watch; blue-green keeps the old version warm as long."""
        watch = self.spec.post_promotion_watch
        if self.strategy is Strategy.BLUE_GREEN:
            return max(watch, self.spec.keep_warm)
        return watch

    @property
    def preflight(self) -> PreflightSpec:
        """The golden-set settings."""
        return self.spec.analysis.preflight

    def in_window(self, now: dt.datetime) -> bool:
        """True when a rollout may start at ``now`` (always, without windows)."""
        return not self.windows or any(w.contains(now) for w in self.windows)

    def describe_windows(self) -> str:
        """The windows in words."""
        return "; ".join(w.describe() for w in self.windows) or "any time"

    def current_step(self, progress: Progress) -> Step | None:
        """The canary step ``progress`` is in (also while paused in it)."""
        in_canary = Phase.CANARY in (progress.phase, progress.paused_from)
        return self.steps[progress.step] if in_canary else None

    def _gate(self, progress: Progress) -> Progress:
        return progress.move(Phase.AWAITING_PROMOTION if self.approval_required else Phase.PROMOTED)

    def _after_shadow(self, progress: Progress) -> Progress:
        if self.steps:
            return progress.move(Phase.CANARY, weight=self.steps[0].weight)
        return self._gate(progress)

    def advance(self, progress: Progress) -> Progress:
        """The next main-line position after ``progress`` succeeded."""
        phase = progress.phase
        simple = _NEXT.get(phase)
        if simple is not None:
            return progress.move(simple)
        if phase is Phase.VALIDATING and self.shadow:
            return progress.move(Phase.SHADOW)
        if phase in {Phase.VALIDATING, Phase.SHADOW}:
            return self._after_shadow(progress)
        if phase is Phase.CANARY:
            following = progress.step + 1
            if following < len(self.steps):
                return progress.move(Phase.CANARY, weight=self.steps[following].weight)
            return self._gate(progress)
        raise IllegalTransition(f"a rollout that is {phase} does not advance")

    def fast_forward(self, progress: Progress) -> Progress:
        """Skip the remaining shadow and canary steps (a manual promotion) up to the gate."""
        if progress.phase in {Phase.SHADOW, Phase.CANARY}:
            return self._gate(progress)
        if progress.phase is Phase.AWAITING_PROMOTION:
            return progress.move(Phase.PROMOTED)
        raise IllegalTransition(
            f"a rollout that is {progress.phase} cannot be promoted; promotion is possible in "
            "shadow, canary and awaiting_promotion (after the pre-flight checks passed)"
        )

    def to_json(self) -> dict[str, Any]:
        """What ``from_json`` needs to rebuild this plan."""
        return {
            "spec": self.spec.model_dump(mode="json", by_alias=True),
            "strategy": str(self.strategy),
            "approval_required": self.approval_required,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Plan:
        """The plan stored with a rollout."""
        try:
            spec = RolloutSpec.model_validate(data["spec"])
        except (KeyError, ValidationError) as exc:
            raise InvalidPlan(f"the stored rollout plan is unreadable: {exc}") from exc
        return build_plan(
            spec,
            stage=Stage.POC,
            strategy=Strategy(data["strategy"]),
            approval_required=bool(data["approval_required"]),
        )


def build_plan(
    spec: RolloutSpec,
    *,
    stage: Stage,
    strategy: Strategy | None = None,
    approval_required: bool | None = None,
) -> Plan:
    """The plan for ``spec``; approval defaults to required in the production stage."""
    chosen = strategy or spec.strategy
    live, shadow = _split_rules(spec.analysis)
    steps = _steps(spec, chosen)
    if chosen is Strategy.SHADOW and (shadow is None or any(r.compare for r in shadow.metrics)):
        raise InvalidPlan(
            "the shadow strategy needs a rollout.analysis metric `shadow_agreement` with "
            "`compare: false` and a `floor` (shadowed answers have no baseline to compare with)"
        )
    if steps and live is None:
        raise InvalidPlan(
            "canary steps need at least one rollout.analysis metric other than shadow_agreement"
        )
    if approval_required is None:
        approval_required = (
            spec.approval_required
            if spec.approval_required is not None
            else stage is Stage.PRODUCTION
        )
    return Plan(
        spec=spec,
        strategy=chosen,
        steps=steps,
        windows=tuple(window(w) for w in spec.windows),
        approval_required=approval_required,
        live_rules=live,
        shadow_rules=shadow,
    )
