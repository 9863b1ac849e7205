"""Window reports: each column's evidence and verdict as frozen, JSON-ready data."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import Any

from lockgate.monitor.drift._config import ColumnKind


class ColumnStatus(StrEnum):
    """Why a column did or did not alarm."""

    DRIFTED = "drifted"
    STABLE = "stable"
    SMALL_EFFECT = "small_effect"
    INSUFFICIENT_DATA = "insufficient_data"


@dataclass(frozen=True, slots=True)
class ColumnDrift:
    """One column's test in one window.

    ``p_value`` is the column's own test; ``p_adjusted`` is Holm-adjusted over every column of the
    window and is compared with ``alpha``. ``effect`` (PSI for numeric, Jensen-Shannon distance
    otherwise, named by ``effect_name``) must also reach ``threshold`` for ``drifted``.
    """

    column: str
    kind: ColumnKind
    test: str
    statistic: float
    p_value: float
    p_adjusted: float
    alpha: float
    effect_name: str
    effect: float
    threshold: float
    n_reference: int
    n_current: int
    drifted: bool
    status: ColumnStatus
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        out = asdict(self)
        out["kind"] = str(self.kind)
        out["status"] = str(self.status)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ColumnDrift:
        """The column result described by :meth:`to_dict`."""
        fields = dict(data)
        fields["kind"] = ColumnKind(fields["kind"])
        fields["status"] = ColumnStatus(fields["status"])
        return cls(**fields)


@dataclass(frozen=True, slots=True)
class WindowReport:
    """Every monitored column's result for one closed window."""

    window: int
    records: int
    alpha: float
    drifted: bool
    columns: tuple[ColumnDrift, ...]

    @property
    def drifted_columns(self) -> tuple[str, ...]:
        """Names of the columns that alarmed."""
        return tuple(c.column for c in self.columns if c.drifted)

    def scores(self) -> dict[str, float]:
        """Effect size per column, for export as metrics."""
        return {c.column: c.effect for c in self.columns}

    def column(self, name: str) -> ColumnDrift:
        """The result for one column."""
        for c in self.columns:
            if c.column == name:
                return c
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "window": self.window,
            "records": self.records,
            "alpha": self.alpha,
            "drifted": self.drifted,
            "columns": [c.to_dict() for c in self.columns],
        }

    def to_json(self) -> str:
        """Strict JSON (no NaN or infinity)."""
        return json.dumps(self.to_dict(), allow_nan=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> WindowReport:
        """The report described by :meth:`to_dict`."""
        return cls(
            window=int(data["window"]),
            records=int(data["records"]),
            alpha=float(data["alpha"]),
            drifted=bool(data["drifted"]),
            columns=tuple(ColumnDrift.from_dict(c) for c in data["columns"]),
        )
