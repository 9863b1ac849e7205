"""Streaming drift detection: fixed-memory profiles, two-sample tests, family-wise control.

Build a :class:`ReferenceProfile` once from reference traffic, then feed live records to a
:class:`DriftMonitor` and close a window every N records or T seconds to get a
:class:`WindowReport`.
"""

from lockgate.monitor.drift._categorical import MISSING, OTHER, CategoricalProfile
from lockgate.monitor.drift._compare import ColumnEvidence, evaluate_window
from lockgate.monitor.drift._compare import Profile as ColumnProfile
from lockgate.monitor.drift._config import (
    ColumnKind,
    ColumnSpec,
    DriftConfig,
    NumericTest,
    WindowSpec,
)
from lockgate.monitor.drift._monitor import DriftMonitor
from lockgate.monitor.drift._numeric import NumericProfile, quantile_edges
from lockgate.monitor.drift._reference import (
    ReferenceProfile,
    build_reference,
    build_reference_from_columns,
)
from lockgate.monitor.drift._report import ColumnDrift, ColumnStatus, WindowReport
from lockgate.monitor.drift._stats import (
    TestOutcome,
    binned_ks,
    chi2_homogeneity,
    holm,
    js_distance,
    presence_test,
    psi,
)
from lockgate.monitor.drift._text import TextProfile

__all__ = [
    "MISSING",
    "OTHER",
    "CategoricalProfile",
    "ColumnDrift",
    "ColumnEvidence",
    "ColumnKind",
    "ColumnProfile",
    "ColumnSpec",
    "ColumnStatus",
    "DriftConfig",
    "DriftMonitor",
    "NumericProfile",
    "NumericTest",
    "ReferenceProfile",
    "TestOutcome",
    "TextProfile",
    "WindowReport",
    "WindowSpec",
    "binned_ks",
    "build_reference",
    "build_reference_from_columns",
    "chi2_homogeneity",
    "evaluate_window",
    "holm",
    "js_distance",
    "presence_test",
    "psi",
    "quantile_edges",
]
