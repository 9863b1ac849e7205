"""The reference profile: one fixed-size profile per column, stored as a JSON file.

Building it makes one pass over the reference records. Numeric columns without fixed ``edges`` keep
their values (one float per row, no other field) until the quantile edges are known; every other
column (numeric ones with ``edges`` too), and every window later on, is counted in fixed memory.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from lockgate.errors import ConfigError
from lockgate.monitor.drift._categorical import CategoricalProfile
from lockgate.monitor.drift._compare import Profile
from lockgate.monitor.drift._config import ColumnKind, ColumnSpec, DriftConfig
from lockgate.monitor.drift._numeric import NumericProfile, as_float, quantile_edges
from lockgate.monitor.drift._text import TextProfile

FORMAT_VERSION = 1


def empty_profile(spec: ColumnSpec, config: DriftConfig) -> Profile:
    """A new profile for a column; numeric ones need ``spec.edges``."""
    if spec.kind is ColumnKind.NUMERIC:
        if spec.edges is None:
            raise ConfigError(f"column {spec.name!r}: numeric edges are not known yet")
        return NumericProfile(spec.edges)
    if spec.kind is ColumnKind.CATEGORICAL:
        return CategoricalProfile(config.max_tracked_categories)
    return TextProfile(spec.buckets, bigrams=spec.bigrams)


def profile_from_dict(data: dict[str, Any]) -> Profile:
    """Any profile from its :meth:`to_dict` form."""
    kind = data.get("kind")
    if kind == "numeric":
        return NumericProfile.from_dict(data)
    if kind == "categorical":
        return CategoricalProfile.from_dict(data)
    if kind == "text":
        return TextProfile.from_dict(data)
    raise ConfigError(f"unknown profile kind {kind!r} in reference file")


@dataclass(frozen=True, slots=True)
class ReferenceProfile:
    """Per-column reference profiles and the number of rows they summarize. Treat as read-only."""

    profiles: Mapping[str, Profile]
    rows: int

    def merge(self, other: ReferenceProfile) -> ReferenceProfile:
        """The reference of both samples; both must cover the same columns."""
        if set(self.profiles) != set(other.profiles):
            raise ConfigError("cannot merge references over different columns")
        merged = {name: _merge(p, other.profiles[name]) for name, p in self.profiles.items()}
        return ReferenceProfile(merged, self.rows + other.rows)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping."""
        return {
            "format": FORMAT_VERSION,
            "rows": self.rows,
            "columns": {name: p.to_dict() for name, p in self.profiles.items()},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ReferenceProfile:
        """The reference described by :meth:`to_dict`."""
        if data.get("format") != FORMAT_VERSION:
            raise ConfigError(
                f"reference format {data.get('format')!r} is not {FORMAT_VERSION}; rebuild it"
            )
        profiles = {name: profile_from_dict(p) for name, p in data["columns"].items()}
        return cls(profiles, int(data["rows"]))

    def save(self, path: str | Path) -> None:
        """Write the reference as JSON."""
        Path(path).write_text(json.dumps(self.to_dict(), allow_nan=False), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> ReferenceProfile:
        """Read a reference written by :meth:`save`."""
        return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _merge(a: Profile, b: Profile) -> Profile:
    if isinstance(a, NumericProfile) and isinstance(b, NumericProfile):
        return a.merge(b)
    if isinstance(a, CategoricalProfile) and isinstance(b, CategoricalProfile):
        return a.merge(b)
    if isinstance(a, TextProfile) and isinstance(b, TextProfile):
        return a.merge(b)
    raise ConfigError(f"cannot merge a {type(a).__name__} with a {type(b).__name__}")


def _needs_values(spec: ColumnSpec) -> bool:
    """Numeric columns without fixed edges hold their values until the quantiles are known."""
    return spec.kind is ColumnKind.NUMERIC and spec.edges is None


def _finish(spec: ColumnSpec, profile: Profile | None, values: Any) -> Profile:
    """Turn a column's build state into its reference profile."""
    if profile is None:
        arr = np.asarray(values, dtype=np.float64)
        numeric = NumericProfile(quantile_edges(arr, spec.bins))
        numeric.update_many(arr)
        return numeric
    if isinstance(profile, CategoricalProfile):
        return profile.top(spec.max_categories)
    return profile


def build_reference(records: Iterable[Mapping[str, Any]], config: DriftConfig) -> ReferenceProfile:
    """Profile every configured column of ``records`` (one pass)."""
    held = [s.name for s in config.columns if _needs_values(s)]
    streamed = {s.name: empty_profile(s, config) for s in config.columns if not _needs_values(s)}
    values: dict[str, list[float]] = {name: [] for name in held}
    nan = float("nan")
    rows = 0
    for record in records:
        rows += 1
        for name in held:
            x = as_float(record.get(name))
            values[name].append(nan if x is None else x)
        for name, profile in streamed.items():
            profile.update(record.get(name))
    profiles = {
        s.name: _finish(s, streamed.get(s.name), values.get(s.name, ())) for s in config.columns
    }
    return ReferenceProfile(profiles, rows)


def build_reference_from_columns(
    columns: Mapping[str, Sequence[Any] | npt.NDArray[Any]], config: DriftConfig
) -> ReferenceProfile:
    """Profile column arrays (all of one length), vectorized where the column kind allows."""
    lengths = {len(columns[s.name]) for s in config.columns}
    if len(lengths) != 1:
        raise ConfigError(f"reference columns differ in length: {sorted(lengths)}")
    profiles: dict[str, Profile] = {}
    for spec in config.columns:
        data = columns[spec.name]
        if spec.kind is ColumnKind.NUMERIC:
            data = _numeric_array(data)
        if _needs_values(spec):
            profiles[spec.name] = _finish(spec, None, data)
            continue
        profile = empty_profile(spec, config)
        profile.update_many(data)
        profiles[spec.name] = _finish(spec, profile, ())
    return ReferenceProfile(profiles, lengths.pop())


def _numeric_array(data: Any) -> npt.NDArray[np.float64]:
    arr = np.asarray(data)
    if arr.dtype.kind in "fiub":
        return arr.astype(np.float64)
    return np.array([np.nan if (x := as_float(v)) is None else x for v in arr], dtype=np.float64)
