"""``drills``: how long detecting, mitigating and recovering from each incident may take.

``lockgate drill run SCENARIO`` measures the three times and compares them with these targets. A
target set to ``null`` is still measured and reported, but does not decide whether the drill passed.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, model_validator

from lockgate.manifest.base import Section
from lockgate.manifest.types import Duration, Name

Target = Annotated[Duration, Field(gt=0)] | None


class ScenarioTargets(Section):
    """Targets of one scenario, measured from the moment the fault is injected or cleared."""

    detect: Target = Field(
        default=30.0, description="Fault injected -> first sign the system noticed."
    )
    mitigate: Target = Field(
        default=60.0, description="Fault injected -> users served again (fallback, rollback...)."
    )
    recover: Target = Field(default=60.0, description="Fault cleared -> normal answers again.")


class LatencySpikeTargets(ScenarioTargets):
    """A latency spike is noticed by a latency alert; nothing has to mitigate it by default."""

    mitigate: Target = Field(
        default=None, description="Fault injected -> answers served by the fallback chain."
    )
    latency: Annotated[Duration, Field(gt=0, le=60)] | None = Field(
        default=None,
        description="Delay added to each answer; default: twice the slowest latency threshold of "
        "the manifest's latency SLOs and latency_p95 rules, at least 1s.",
    )


class BadReleaseTargets(ScenarioTargets):
    """A canary of a known-bad version must be caught and rolled back by the analysis."""

    detect: Target = Field(default=300.0, description="Rollout started -> analysis failed.")
    mitigate: Target = Field(default=600.0, description="Rollout started -> rolled back.")
    recover: Target = Field(
        default=60.0, description="Rolled back -> every answer from the stable version."
    )
    candidate: Name | None = Field(
        default=None, description="The bad version to roll out (it must be under `versions`)."
    )


class DriftTargets(ScenarioTargets):
    """Shifted inputs must raise the drift alert, which resolves once inputs are normal again."""

    detect: Target = Field(default=900.0, description="Shifted traffic -> drift alert firing.")
    mitigate: Target = Field(default=None, description="Drift has no automatic mitigation.")
    recover: Target = Field(
        default=1800.0, description="Normal traffic again -> drift alert resolved."
    )

    @model_validator(mode="after")
    def _no_mitigation(self) -> DriftTargets:
        if self.mitigate is not None:
            raise ValueError("drift has no automatic mitigation to time; remove `mitigate`")
        return self


class DrillTargets(Section):
    """Incident drills: traffic settings and per-scenario targets."""

    rate: float = Field(default=5.0, gt=0, le=200, description="Requests per second sent.")
    streak: int = Field(
        default=5, ge=1, le=100, description="Answers in a row that show mitigation or recovery."
    )
    hold: Duration = Field(
        default=5.0, ge=0, le=600, description="How long mitigation must hold before clearing."
    )
    grace: float = Field(
        default=2.0, ge=1, le=10, description="A step waits up to grace x its target, then fails."
    )
    upstream_down: ScenarioTargets = Field(default_factory=ScenarioTargets)
    latency_spike: LatencySpikeTargets = Field(default_factory=LatencySpikeTargets)
    kill_switch: ScenarioTargets = Field(
        default_factory=lambda: ScenarioTargets(detect=5.0, mitigate=10.0, recover=10.0)
    )
    bad_release: BadReleaseTargets = Field(default_factory=BadReleaseTargets)
    drift: DriftTargets = Field(default_factory=DriftTargets)
