"""The incidents a drill rehearses, one module each; ``build`` makes a fresh one per drill."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from lockgate.drills.model import ScenarioName
from lockgate.drills.scenarios.bad_release import BadRelease
from lockgate.drills.scenarios.base import DrillContext, Observation, Scenario
from lockgate.drills.scenarios.drift import Drift
from lockgate.drills.scenarios.faults import LatencySpike, UpstreamDown
from lockgate.drills.scenarios.kill_switch import KillSwitch

SCENARIOS: Mapping[ScenarioName, Callable[[], Scenario]] = MappingProxyType(
    {
        ScenarioName.UPSTREAM_DOWN: UpstreamDown,
        ScenarioName.LATENCY_SPIKE: LatencySpike,
        ScenarioName.BAD_RELEASE: BadRelease,
        ScenarioName.KILL_SWITCH: KillSwitch,
        ScenarioName.DRIFT: Drift,
    }
)


def build(name: ScenarioName) -> Scenario:
    """A new scenario object (scenarios keep what they injected, so never share one)."""
    return SCENARIOS[name]()


__all__ = ["SCENARIOS", "DrillContext", "Observation", "Scenario", "build"]
