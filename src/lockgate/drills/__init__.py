"""Incident drills: inject a fault through the gateway, time detection, mitigation and recovery.

``run_drill`` is the entry point; ``lockgate drill run SCENARIO`` calls it. See docs/drills.md.
"""

from lockgate.drills.errors import DrillError, DrillRefused
from lockgate.drills.history import past, record
from lockgate.drills.keys import FileKey, KeySource, MintedKeys
from lockgate.drills.model import (
    Check,
    DrillReport,
    Phase,
    Sample,
    ScenarioName,
    Settings,
    Signal,
    Step,
    Targets,
    Timings,
    TrafficSummary,
)
from lockgate.drills.runner import DrillRunner, Progress
from lockgate.drills.service import DEFAULT_GATEWAY, refuse_production, run_drill

__all__ = [
    "DEFAULT_GATEWAY",
    "Check",
    "DrillError",
    "DrillRefused",
    "DrillReport",
    "DrillRunner",
    "FileKey",
    "KeySource",
    "MintedKeys",
    "Phase",
    "Progress",
    "Sample",
    "ScenarioName",
    "Settings",
    "Signal",
    "Step",
    "Targets",
    "Timings",
    "TrafficSummary",
    "past",
    "record",
    "refuse_production",
    "run_drill",
]
