"""Error budgets and multi-window, multi-burn-rate alerts (the Google SRE workbook's recipe).

The workbook's windows are for a 30-day SLO: page when 2% of the budget burns in an hour (rate
14.4 over 1h, confirmed over 5m) or 5% in six hours (6x over 6h and 30m); open a ticket when 10%
burns in a day (3x over 1d and 2h) or in three days (1x over 3d and 6h). For another SLO window
every window scales by ``window / 30d`` and the rates stay, so each alert still means the same
share of the budget. Everything here is pure: it takes event counts and returns reports.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from lockgate.manifest.reliability import SLO, Severity
from lockgate.monitor.alerts.source import Events

WORKBOOK_WINDOW = 30 * 86400.0
WORKBOOK = (
    (Severity.PAGE, 3600.0, 300.0, 14.4),
    (Severity.PAGE, 6 * 3600.0, 1800.0, 6.0),
    (Severity.TICKET, 86400.0, 7200.0, 3.0),
    (Severity.TICKET, 3 * 86400.0, 6 * 3600.0, 1.0),
)
_UNITS = (("d", 86400), ("h", 3600), ("m", 60), ("s", 1))


def format_duration(seconds: float) -> str:
    """``4m40s``, ``1h``, ``2d3h``: whole seconds in the form Prometheus and people read."""
    remaining = max(round(seconds), 0)
    if remaining == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS:
        amount, remaining = divmod(remaining, size)
        if amount:
            parts.append(f"{amount}{unit}")
    return "".join(parts)


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """One long/short window pair and the burn rate both must exceed."""

    severity: Severity
    long: float
    short: float
    factor: float

    def __str__(self) -> str:
        return f"{self.factor:g}x over {format_duration(self.long)}/{format_duration(self.short)}"


def burn_windows(slo_window: float) -> tuple[BurnWindow, ...]:
    """The workbook's four window pairs scaled to ``slo_window`` (whole seconds, at least 1)."""
    scale = slo_window / WORKBOOK_WINDOW
    return tuple(
        BurnWindow(severity, max(round(long * scale), 1), max(round(short * scale), 1), factor)
        for severity, long, short, factor in WORKBOOK
    )


def windows_needed(slo: SLO) -> tuple[float, ...]:
    """Every window ``evaluate_slo`` needs events for: the burn windows and the SLO window."""
    found = {slo.window}
    for pair in burn_windows(slo.window):
        found.update((pair.long, pair.short))
    return tuple(sorted(found))


def budget_fraction(objective: float) -> float:
    """The share of events allowed to be bad, e.g. 0.005 for a 99.5% objective."""
    return 1.0 - objective / 100.0


def burn_rate(events: Events, objective: float) -> float | None:
    """How fast the budget burns: 1.0 spends exactly the budget over the SLO window."""
    ratio = events.error_ratio
    return None if ratio is None else ratio / budget_fraction(objective)


@dataclass(frozen=True, slots=True)
class BurnCheck:
    """One window pair's burn rates and whether both exceed the factor."""

    window: BurnWindow
    long_rate: float | None
    short_rate: float | None

    @property
    def firing(self) -> bool:
        """Both windows burn faster than the factor (no data never fires)."""
        return (
            self.long_rate is not None
            and self.short_rate is not None
            and self.long_rate > self.window.factor
            and self.short_rate > self.window.factor
        )


@dataclass(frozen=True, slots=True)
class SloReport:
    """An SLO's budget and burn checks at one moment, with the numbers behind them."""

    slo: SLO
    events: Events
    budget_remaining: float | None
    """Share of the window's error budget left: 1.0 untouched, 0 spent, below 0 overspent."""
    checks: tuple[BurnCheck, ...]

    @property
    def reason(self) -> str:
        """Why there is no budget figure ("" when there is one)."""
        return self.events.reason or (
            "no events in the SLO window" if not self.events.total else ""
        )

    def firing(self, severity: Severity) -> tuple[BurnCheck, ...]:
        """The checks of ``severity`` that fire."""
        return tuple(c for c in self.checks if c.window.severity is severity and c.firing)

    def to_json(self) -> dict[str, object]:
        """JSON-ready numbers for the store and the CLI."""
        return {
            "slo": self.slo.name,
            "sli": self.slo.sli.value,
            "objective": self.slo.objective,
            "good": self.events.good,
            "total": self.events.total,
            "budget_remaining": self.budget_remaining,
            "reason": self.reason,
            "checks": [
                {
                    "severity": c.window.severity.value,
                    "long": format_duration(c.window.long),
                    "short": format_duration(c.window.short),
                    "factor": c.window.factor,
                    "long_rate": c.long_rate,
                    "short_rate": c.short_rate,
                    "firing": c.firing,
                }
                for c in self.checks
            ],
        }


def evaluate_slo(slo: SLO, events: Mapping[float, Events]) -> SloReport:
    """Budget over ``slo.window`` and every burn check, from events keyed by window seconds."""
    missing = [w for w in windows_needed(slo) if w not in events]
    if missing:
        raise ValueError(f"events missing for windows {missing} of SLO {slo.name!r}")
    whole = events[slo.window]
    rate = burn_rate(whole, slo.objective)
    checks = tuple(
        BurnCheck(
            pair,
            burn_rate(events[pair.long], slo.objective),
            burn_rate(events[pair.short], slo.objective),
        )
        for pair in burn_windows(slo.window)
    )
    return SloReport(slo, whole, None if rate is None else 1.0 - rate, checks)
