"""Readiness gates as code: checks over a snapshot of the manifest and the store, and reports.

``evaluate_gate(manifest, store, gate)`` gathers the evidence and returns a ``Report``; the
checks themselves are pure functions of an ``Evidence`` snapshot (``evaluate`` runs them).
"""

from lockgate.readiness.checks import CHECKS
from lockgate.readiness.evaluate import evaluate
from lockgate.readiness.evidence import Evidence, StoreFacts
from lockgate.readiness.flowchart import mermaid, svg
from lockgate.readiness.gate import evaluate_gate, gate_for
from lockgate.readiness.gather import gather
from lockgate.readiness.model import Area, Check, Gate, Kind, Report, Result, Severity, Status
from lockgate.readiness.versions import CHECKLIST_VERSION

__all__ = [
    "CHECKLIST_VERSION",
    "CHECKS",
    "Area",
    "Check",
    "Evidence",
    "Gate",
    "Kind",
    "Report",
    "Result",
    "Severity",
    "Status",
    "StoreFacts",
    "evaluate",
    "evaluate_gate",
    "gate_for",
    "gather",
    "mermaid",
    "svg",
]
