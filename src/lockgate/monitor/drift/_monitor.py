"""The streaming drift monitor: count a window in fixed memory, then test it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy.typing as npt

from lockgate.errors import ConfigError
from lockgate.monitor.drift._categorical import CategoricalProfile
from lockgate.monitor.drift._compare import Profile, evaluate_window
from lockgate.monitor.drift._config import ColumnKind, DriftConfig
from lockgate.monitor.drift._numeric import NumericProfile
from lockgate.monitor.drift._reference import ReferenceProfile
from lockgate.monitor.drift._report import WindowReport
from lockgate.monitor.drift._text import TextProfile

_KIND_OF: dict[type, ColumnKind] = {
    NumericProfile: ColumnKind.NUMERIC,
    CategoricalProfile: ColumnKind.CATEGORICAL,
    TextProfile: ColumnKind.TEXT,
}


class DriftMonitor:
    """Counts observed records per window and reports drift when the window closes.

    ``observe`` is a dictionary lookup and one counter increment per column (a tokenizer pass for
    text). Memory is the sum of the reference's profile sizes, never the rows. The monitor has no
    clock: the caller closes windows on ``is_full`` or when ``config.window.seconds`` elapse.
    """

    def __init__(self, reference: ReferenceProfile, config: DriftConfig) -> None:
        for spec in config.columns:
            profile = reference.profiles.get(spec.name)
            if profile is None:
                raise ConfigError(
                    f"drift column {spec.name!r} is not in the reference; rebuild the reference "
                    "with this configuration",
                    param=spec.name,
                )
            if _KIND_OF[type(profile)] is not spec.kind:
                raise ConfigError(
                    f"drift column {spec.name!r} is {spec.kind} in the configuration but "
                    f"{_KIND_OF[type(profile)]} in the reference; rebuild the reference",
                    param=spec.name,
                )
        self.reference = reference
        self.config = config
        self._reference = {s.name: reference.profiles[s.name] for s in config.columns}
        self._index = 0
        self._records = 0
        self._window: dict[str, Profile] = {}
        self._updaters: list[tuple[str, Callable[[Any], None]]] = []
        self._reset()

    def _reset(self) -> None:
        self._window = {name: p.empty_like() for name, p in self._reference.items()}
        self._updaters = [(name, p.update) for name, p in self._window.items()]
        self._records = 0

    @property
    def records(self) -> int:
        """Records observed in the open window."""
        return self._records

    @property
    def is_full(self) -> bool:
        """Whether the open window has reached ``config.window.records``."""
        return self._records >= self.config.window.records

    def observe(self, record: Mapping[str, Any]) -> None:
        """Count one record; absent fields count as missing."""
        get = record.get
        for name, update in self._updaters:
            update(get(name))
        self._records += 1

    def observe_columns(self, columns: Mapping[str, Sequence[Any] | npt.NDArray[Any]]) -> None:
        """Count a batch given column-wise (every configured column, all of one length)."""
        lengths = {len(columns[name]) for name in self._window}
        if len(lengths) != 1:
            raise ConfigError(f"batch columns differ in length: {sorted(lengths)}")
        for name, profile in self._window.items():
            profile.update_many(columns[name])
        self._records += lengths.pop()

    def window_profiles(self) -> Mapping[str, Profile]:
        """The open window's profiles (read-only view, e.g. to merge windows elsewhere)."""
        return dict(self._window)

    def close_window(self) -> WindowReport:
        """Test the open window against the reference, then start a new window."""
        report = evaluate_window(
            self._reference, self._window, self.config, index=self._index, records=self._records
        )
        self._index += 1
        self._reset()
        return report
