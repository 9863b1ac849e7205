"""The drift configuration lives with the manifest (``lockgate.manifest.drift``), which must not
import numpy or scipy; this module keeps the drift package's internal imports stable."""

from lockgate.manifest.drift import ColumnKind, ColumnSpec, DriftConfig, NumericTest, WindowSpec

__all__ = ["ColumnKind", "ColumnSpec", "DriftConfig", "NumericTest", "WindowSpec"]
