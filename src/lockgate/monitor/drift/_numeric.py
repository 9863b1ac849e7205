"""Fixed-bin numeric profile: quantile edges from the reference, open ends, a missing count.

Bins are right-closed: bin ``i`` holds ``edges[i-1] < x <= edges[i]``, bin 0 is ``(-inf, edges[0]]``
and the last bin is ``(edges[-1], +inf)``. Memory is ``len(edges) + 2`` integers whatever the
number of rows; the per-row update is one bisection.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

import numpy as np
import numpy.typing as npt

from lockgate.errors import ConfigError


def quantile_edges(values: npt.ArrayLike, bins: int) -> tuple[float, ...]:
    """Interior edges splitting the finite ``values`` into up to ``bins`` near-equal-count bins.

    Edges are sample values (inverted-CDF quantiles), so each value of discrete data lands whole
    in one right-closed bin; repeated quantiles collapse into one edge.
    """
    x = np.asarray(values, dtype=np.float64)
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (0.0,)
    qs = np.quantile(x, np.linspace(0.0, 1.0, bins + 1)[1:-1], method="inverted_cdf")
    edges = np.unique(qs)
    return tuple(float(e) for e in edges)


def as_float(value: Any) -> float | None:
    """``value`` as a float, or ``None`` when it is missing, NaN or not a number."""
    if type(value) is float:
        return None if math.isnan(value) else value
    if type(value) is int:
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        f = float(value)
        return None if math.isnan(f) else f
    return None


class NumericProfile:
    """Counts per fixed bin plus missing values; merges and serializes exactly."""

    __slots__ = ("counts", "edges", "missing")

    def __init__(
        self, edges: Sequence[float], counts: Sequence[int] | None = None, missing: int = 0
    ) -> None:
        self.edges: tuple[float, ...] = tuple(float(e) for e in edges)
        if not self.edges or any(not b > a for a, b in pairwise(self.edges)):
            raise ConfigError("numeric profile edges must be non-empty and strictly increasing")
        size = len(self.edges) + 1
        self.counts: list[int] = [0] * size if counts is None else [int(c) for c in counts]
        if len(self.counts) != size:
            raise ConfigError(f"numeric profile needs {size} counts, got {len(self.counts)}")
        self.missing = int(missing)

    @property
    def total(self) -> int:
        """Non-missing values counted."""
        return sum(self.counts)

    def empty_like(self) -> NumericProfile:
        """A profile with the same bins and no counts."""
        return NumericProfile(self.edges)

    def update(self, value: Any) -> None:
        """Count one value; missing, NaN and non-numeric values count as missing."""
        x = as_float(value)
        if x is None:
            self.missing += 1
        else:
            self.counts[bisect_left(self.edges, x)] += 1

    def update_many(self, values: Iterable[Any] | npt.NDArray[Any]) -> None:
        """Count many values at once (vectorized for numeric arrays)."""
        arr = values if isinstance(values, np.ndarray) else None
        if arr is None or arr.dtype.kind not in "fiub":
            for v in values:
                self.update(v)
            return
        x = arr.astype(np.float64, copy=False).ravel()
        nan = np.isnan(x)
        n_missing = int(nan.sum())
        if n_missing:
            x = x[~nan]
        idx = np.searchsorted(np.asarray(self.edges), x, side="left")
        binned = np.bincount(idx, minlength=len(self.counts))
        self.counts = [c + int(b) for c, b in zip(self.counts, binned.tolist(), strict=True)]
        self.missing += n_missing

    def merge(self, other: NumericProfile) -> NumericProfile:
        """The profile of both samples; the bins must be the same."""
        if other.edges != self.edges:
            raise ConfigError("cannot merge numeric profiles with different bin edges")
        counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        return NumericProfile(self.edges, counts, self.missing + other.missing)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "kind": "numeric",
            "edges": list(self.edges),
            "counts": list(self.counts),
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> NumericProfile:
        """The profile described by :meth:`to_dict`."""
        return cls(data["edges"], data["counts"], data.get("missing", 0))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, NumericProfile):
            return NotImplemented
        return (self.edges, self.counts, self.missing) == (other.edges, other.counts, other.missing)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"NumericProfile(bins={len(self.counts)}, total={self.total}, missing={self.missing})"
        )
