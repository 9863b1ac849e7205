"""Readiness values: gates, areas, statuses, check definitions, results and the report."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from lockgate.manifest.governance import Waiver

if TYPE_CHECKING:
    from lockgate.readiness.evidence import Evidence


class Gate(StrEnum):
    """A gate on the way to production; each gate also requires every earlier gate's checks."""

    STAGING = "staging"
    PRODUCTION = "production"

    @property
    def rank(self) -> int:
        """0 for staging, 1 for production."""
        return list(Gate).index(self)

    def includes(self, other: Gate) -> bool:
        """True when a check of gate ``other`` is required to pass this gate."""
        return other.rank <= self.rank


class Area(StrEnum):
    """What a check is about; one module of checks per area."""

    SECURITY = "security"
    OBSERVABILITY = "observability"
    INCIDENTS = "incidents"
    DOCUMENTATION = "documentation"
    CUTOVER = "cutover"
    DATA = "data"

    @property
    def heading(self) -> str:
        """Heading for reports."""
        return _AREA_TITLES[self]


_AREA_TITLES: Mapping[Area, str] = MappingProxyType(
    {
        Area.SECURITY: "Security",
        Area.OBSERVABILITY: "Observability",
        Area.INCIDENTS: "Fallback & incident response",
        Area.DOCUMENTATION: "Documentation & ownership",
        Area.CUTOVER: "Cutover",
        Area.DATA: "Data governance",
    }
)


class Severity(StrEnum):
    """How much a failing check matters."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Kind(StrEnum):
    """Where a check's evidence comes from."""

    STATIC = "static"
    """The manifest, the files next to it, and the keys: true until someone changes them."""
    LIVE = "live"
    """Something that happened in the store, and only counts while it is recent enough."""


class Status(StrEnum):
    """A check's outcome."""

    PASS = "pass"  # noqa: S105 - a status, not a password
    FAIL = "fail"
    WAIVED = "waived"
    NO_EVIDENCE = "no_evidence"

    @property
    def ok(self) -> bool:
        """True when the status lets the gate pass."""
        return self in {Status.PASS, Status.WAIVED}


@dataclass(frozen=True, slots=True)
class References:
    """Where a check comes from in frameworks people are audited against."""

    nist_ai_rmf: str = ""
    """NIST AI RMF 1.0 subcategory, e.g. ``MANAGE 2.4``."""
    eu_ai_act: str = ""
    """Regulation (EU) 2024/1689 article, e.g. ``Art. 15``."""
    iso_42001: str = ""
    """ISO/IEC 42001:2023 Annex A control, e.g. ``A.6.2.6``."""
    sre: str = ""
    """Google SRE book, Appendix E launch checklist item."""

    def items(self) -> tuple[tuple[str, str], ...]:
        """(framework, reference) pairs that are set."""
        pairs = (
            ("NIST AI RMF", self.nist_ai_rmf),
            ("EU AI Act", self.eu_ai_act),
            ("ISO/IEC 42001", self.iso_42001),
            ("SRE launch checklist", self.sre),
        )
        return tuple((name, value) for name, value in pairs if value)


Path = tuple[str | int, ...]
"""A location in the manifest, e.g. ``("slos", 0, "runbook")``."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a check function returns: a status, why, and the manifest path it points at."""

    status: Status
    message: str
    path: Path = ()
    line: int = 0
    """A manifest line to point at instead of the path's (e.g. a comment); 0 when unused."""


def passed(message: str, path: Path = ()) -> Outcome:
    """A passing outcome."""
    return Outcome(Status.PASS, message, path)


def failed(message: str, path: Path = (), *, line: int = 0) -> Outcome:
    """A failing outcome."""
    return Outcome(Status.FAIL, message, path, line)


def missing(message: str, path: Path = ()) -> Outcome:
    """No evidence yet: the gate fails, and the report says there is nothing to judge."""
    return Outcome(Status.NO_EVIDENCE, message, path)


CheckFunction = Callable[["Evidence"], Outcome]


@dataclass(frozen=True, slots=True)
class Check:
    """A readiness check: what it asks, where it applies, and the pure function that judges it."""

    id: str
    title: str
    area: Area
    gate: Gate
    severity: Severity
    kind: Kind
    remediation: str
    run: CheckFunction
    freshness: dt.timedelta | None = None
    """Live checks: how old evidence may be (None: any age counts)."""
    references: References = References()
    anchor: Path = ()
    """The manifest section a result points at when its outcome names no path."""

    def definition(self) -> dict[str, object]:
        """What identifies this check's meaning in a checklist version (no function)."""
        return {
            "id": self.id,
            "title": self.title,
            "area": self.area.value,
            "gate": self.gate.value,
            "severity": self.severity.value,
            "kind": self.kind.value,
            "freshness_s": self.freshness.total_seconds() if self.freshness else None,
            "remediation": self.remediation,
            "references": dict(self.references.items()),
        }


@dataclass(frozen=True, slots=True)
class Result:
    """A check's outcome in a report, located in the manifest, with the waiver that applied."""

    check: Check
    status: Status
    message: str
    path: str
    line: int
    column: int
    waiver: Waiver | None = None


@dataclass(frozen=True, slots=True)
class Report:
    """Every check's result for one manifest, and the gate being asked about."""

    service: str
    stage: str
    gate: Gate
    checklist_version: str
    generated_at: dt.datetime
    manifest_uri: str
    results: tuple[Result, ...]
    notes: tuple[str, ...] = ()

    @property
    def selected(self) -> tuple[Result, ...]:
        """The results of the checks this gate requires."""
        return tuple(r for r in self.results if self.gate.includes(r.check.gate))

    @property
    def met(self) -> bool:
        """True when every check the gate requires passed or is validly waived."""
        return all(result.status.ok for result in self.selected)

    def counts(self) -> Mapping[Status, int]:
        """How many of the gate's checks ended in each status."""
        found = Counter(result.status for result in self.selected)
        return {status: found.get(status, 0) for status in Status}

    def gate_met(self, gate: Gate) -> bool:
        """Whether ``gate`` (not necessarily the one asked about) is met."""
        return all(r.status.ok for r in self.results if gate.includes(r.check.gate))

    def summary(self) -> str:
        """``production gate: NOT MET (3 fail, 1 no evidence, 1 waived, 28 pass)``."""
        counts = self.counts()
        parts = ", ".join(
            f"{counts[status]} {status.value.replace('_', ' ')}"
            for status in (Status.FAIL, Status.NO_EVIDENCE, Status.WAIVED, Status.PASS)
        )
        verdict = "met" if self.met else "NOT MET"
        return f"{self.gate.value} gate: {verdict} ({parts}); checklist {self.checklist_version}"
