"""Rollout phases as data: the phase enum, the transition table and the pure moves between them.

The main line::

    pending -> validating -> [shadow] -> canary step 0 .. n-1 -> [awaiting_promotion]
            -> promoted -> post_promotion_watch -> stable

Side phases: ``paused`` (and back to where it paused), ``aborting -> rolled_back`` (all traffic
to the baseline), ``superseded`` (a newer rollout of the service took over). ``stable``,
``rolled_back`` and ``superseded`` are terminal. Every move checks ``TRANSITIONS`` and raises
``IllegalTransition`` with the allowed targets when the move is not in it. Canary steps are
entered one at a time, in order: a move to ``canary`` must name the next step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from lockgate.rollout.errors import IllegalTransition

FULL = 100.0


class Phase(StrEnum):
    """Where a rollout stands."""

    PENDING = "pending"
    VALIDATING = "validating"
    SHADOW = "shadow"
    CANARY = "canary"
    AWAITING_PROMOTION = "awaiting_promotion"
    PROMOTED = "promoted"
    POST_PROMOTION_WATCH = "post_promotion_watch"
    STABLE = "stable"
    PAUSED = "paused"
    ABORTING = "aborting"
    ROLLED_BACK = "rolled_back"
    SUPERSEDED = "superseded"


TERMINAL: frozenset[Phase] = frozenset({Phase.STABLE, Phase.ROLLED_BACK, Phase.SUPERSEDED})
ACTIVE: frozenset[Phase] = frozenset(Phase) - TERMINAL
PAUSABLE: frozenset[Phase] = frozenset(
    {
        Phase.PENDING,
        Phase.VALIDATING,
        Phase.SHADOW,
        Phase.CANARY,
        Phase.AWAITING_PROMOTION,
        Phase.POST_PROMOTION_WATCH,
    }
)
BEFORE_PROMOTION: frozenset[Phase] = frozenset(
    {Phase.PENDING, Phase.VALIDATING, Phase.SHADOW, Phase.CANARY, Phase.AWAITING_PROMOTION}
)
SERVING_CANDIDATE: frozenset[Phase] = frozenset(
    {Phase.PROMOTED, Phase.POST_PROMOTION_WATCH, Phase.STABLE}
)

_LEAVE = frozenset({Phase.PAUSED, Phase.ABORTING, Phase.SUPERSEDED})
_GATE = frozenset({Phase.AWAITING_PROMOTION, Phase.PROMOTED})

TRANSITIONS: Mapping[Phase, frozenset[Phase]] = MappingProxyType(
    {
        Phase.PENDING: frozenset({Phase.VALIDATING}) | _LEAVE,
        Phase.VALIDATING: frozenset({Phase.SHADOW, Phase.CANARY}) | _GATE | _LEAVE,
        Phase.SHADOW: frozenset({Phase.CANARY}) | _GATE | _LEAVE,
        Phase.CANARY: frozenset({Phase.CANARY}) | _GATE | _LEAVE,
        Phase.AWAITING_PROMOTION: frozenset({Phase.PROMOTED}) | _LEAVE,
        Phase.PROMOTED: frozenset({Phase.POST_PROMOTION_WATCH, Phase.ABORTING, Phase.SUPERSEDED}),
        Phase.POST_PROMOTION_WATCH: frozenset({Phase.STABLE}) | _LEAVE,
        Phase.PAUSED: PAUSABLE | {Phase.ABORTING, Phase.SUPERSEDED},
        Phase.ABORTING: frozenset({Phase.ROLLED_BACK}),
        Phase.STABLE: frozenset(),
        Phase.ROLLED_BACK: frozenset(),
        Phase.SUPERSEDED: frozenset(),
    }
)

# Weights a phase forces: nothing reaches the candidate before the canary or after an abort,
# everything does once promoted. Canary steps take the plan's weight; gates and pauses keep theirs.
_FORCED_WEIGHT: Mapping[Phase, float] = MappingProxyType(
    {
        Phase.PENDING: 0.0,
        Phase.VALIDATING: 0.0,
        Phase.SHADOW: 0.0,
        Phase.PROMOTED: FULL,
        Phase.POST_PROMOTION_WATCH: FULL,
        Phase.STABLE: FULL,
        Phase.ABORTING: 0.0,
        Phase.ROLLED_BACK: 0.0,
        Phase.SUPERSEDED: 0.0,
    }
)


def check(source: Phase, target: Phase) -> None:
    """Raise ``IllegalTransition`` unless ``source -> target`` is in the table."""
    allowed = TRANSITIONS[source]
    if target in allowed:
        return
    if source in TERMINAL:
        raise IllegalTransition(
            f"the rollout is {source} (final); start a new rollout instead of moving it to {target}"
        )
    listing = ", ".join(sorted(allowed))
    raise IllegalTransition(
        f"a rollout cannot go from {source} to {target}; from {source} it may go to: {listing}"
    )


@dataclass(frozen=True, slots=True)
class Progress:
    """Phase, canary step and candidate weight (percent of traffic) of one rollout.

    ``step`` is the index of the last canary step entered (-1 before the first), so it also tells
    how far the canary got after it ended. ``paused_from`` is set exactly while paused.
    """

    phase: Phase = Phase.PENDING
    step: int = -1
    weight: float = 0.0
    paused_from: Phase | None = None

    def __post_init__(self) -> None:
        if not 0.0 <= self.weight <= FULL:
            raise ValueError(f"weight must be within 0..100, got {self.weight}")
        if self.step < -1:
            raise ValueError(f"step must be -1 or a step index, got {self.step}")
        if (self.phase is Phase.PAUSED) != (self.paused_from is not None):
            raise ValueError("paused_from is set exactly when the phase is paused")
        forced = _FORCED_WEIGHT.get(self.phase)
        if forced is not None and self.weight != forced:
            raise ValueError(f"phase {self.phase} routes {forced:g} % to the candidate")

    @property
    def terminal(self) -> bool:
        """True once the rollout can no longer move."""
        return self.phase in TERMINAL

    def move(self, target: Phase, *, weight: float | None = None) -> Progress:
        """The main-line move to ``target``; ``weight`` is required for a canary step."""
        check(self.phase, target)
        if self.phase is Phase.PAUSED:
            raise IllegalTransition("the rollout is paused; resume it first")
        if target is Phase.PAUSED:
            raise IllegalTransition("use pause() to pause a rollout")
        step = self.step
        if target is Phase.CANARY:
            if weight is None:
                raise ValueError("a canary step needs its weight")
            step += 1
        elif weight is not None:
            raise ValueError(f"the weight of phase {target} is not chosen by the caller")
        forced = _FORCED_WEIGHT.get(target)
        new_weight = (
            forced if forced is not None else (weight if weight is not None else self.weight)
        )
        return Progress(phase=target, step=step, weight=new_weight)

    def pause(self) -> Progress:
        """Stop moving; traffic stays as it is."""
        check(self.phase, Phase.PAUSED)
        return replace(self, phase=Phase.PAUSED, paused_from=self.phase)

    def resume(self) -> Progress:
        """Continue where the rollout was paused."""
        if self.paused_from is None:
            raise IllegalTransition(f"the rollout is {self.phase}, not paused; nothing to resume")
        return replace(self, phase=self.paused_from, paused_from=None)

    def abort(self) -> Progress:
        """Send all traffic back to the baseline; ``rolled_back`` follows."""
        check(self.phase, Phase.ABORTING)
        return Progress(phase=Phase.ABORTING, step=self.step, weight=0.0)

    def roll_back(self) -> Progress:
        """Finish an abort."""
        check(self.phase, Phase.ROLLED_BACK)
        return Progress(phase=Phase.ROLLED_BACK, step=self.step, weight=0.0)

    def supersede(self) -> Progress:
        """A newer rollout of the same service took over."""
        check(self.phase, Phase.SUPERSEDED)
        return Progress(phase=Phase.SUPERSEDED, step=self.step, weight=0.0)
