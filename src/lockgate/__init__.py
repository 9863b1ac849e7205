"""Lockgate: production guardrails for AI services."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("lockgate")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
    __version__ = "0.0.0"

__all__ = ["__version__"]
