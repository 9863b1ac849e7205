"""The drift monitor's configuration: the ``monitors.drift`` section of the manifest.

Self-contained pydantic models, so the manifest can embed :class:`DriftConfig` as it is::

    monitors:
      drift:
        alpha: 0.01            # family-wise false alarm rate per window, over all columns
        min_psi: 0.02          # smallest numeric shift (PSI) worth an alarm
        min_js: 0.01           # smallest categorical / text shift (Jensen-Shannon distance)
        window: {records: 5000, seconds: 300}
        columns:
          - {name: latency_ms, kind: numeric}
          - {name: model, kind: categorical}
          - {name: prompt, kind: text}
"""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise

from pydantic import BaseModel, ConfigDict, Field, model_validator


class ColumnKind(StrEnum):
    """How a column is profiled and tested."""

    NUMERIC = "numeric"
    CATEGORICAL = "categorical"
    TEXT = "text"


class NumericTest(StrEnum):
    """The two-sample test applied to a numeric column's bins."""

    KS = "ks"
    CHI2 = "chi2"


class ColumnSpec(BaseModel):
    """One monitored column; fields that do not apply to its kind are ignored."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1)
    kind: ColumnKind
    bins: int = Field(default=10, ge=2, le=1000, description="numeric: quantile bins")
    edges: tuple[float, ...] | None = Field(
        default=None, description="numeric: fixed interior bin edges instead of quantiles"
    )
    test: NumericTest = Field(default=NumericTest.KS, description="numeric: two-sample test")
    max_categories: int = Field(
        default=100, ge=1, le=100_000, description="categorical: categories kept, rest pooled"
    )
    buckets: int = Field(default=512, ge=2, le=65_536, description="text: hashed token buckets")
    bigrams: bool = Field(default=False, description="text: also hash adjacent token pairs")
    min_effect: float | None = Field(
        default=None, ge=0.0, description="overrides min_psi / min_js for this column"
    )

    @model_validator(mode="after")
    def _edges_increase(self) -> ColumnSpec:
        if self.edges is not None:
            pairs = pairwise(self.edges)
            if not self.edges or any(b <= a for a, b in pairs):
                raise ValueError(f"column {self.name!r}: edges must be non-empty and increasing")
        return self


class WindowSpec(BaseModel):
    """When a window closes: after ``records`` observations or ``seconds``, whichever is first."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    records: int = Field(default=5000, ge=1)
    seconds: float | None = Field(default=300.0, gt=0.0)


class DriftConfig(BaseModel):
    """Columns to watch, the false alarm budget and the smallest shifts worth an alarm."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: tuple[ColumnSpec, ...] = Field(min_length=1)
    alpha: float = Field(default=0.01, gt=0.0, lt=1.0)
    min_psi: float = Field(default=0.02, ge=0.0)
    min_js: float = Field(default=0.01, ge=0.0, le=1.0)
    min_expected: float = Field(default=5.0, gt=0.0, description="chi-squared cell pooling")
    min_rows: int = Field(default=30, ge=1, description="fewer rows in a window: no test")
    max_tracked_categories: int = Field(
        default=10_000, ge=1, description="distinct categories counted while building a reference"
    )
    window: WindowSpec = Field(default_factory=WindowSpec)

    @model_validator(mode="after")
    def _unique_names(self) -> DriftConfig:
        names = [c.name for c in self.columns]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"column names must be unique; repeated: {', '.join(dupes)}")
        return self

    def min_effect_for(self, column: ColumnSpec) -> float:
        """The effect-size threshold that applies to ``column``."""
        if column.min_effect is not None:
            return column.min_effect
        return self.min_psi if column.kind is ColumnKind.NUMERIC else self.min_js
