"""The readiness checks, one module per area; ``CHECKS`` is the current checklist in order."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from lockgate.readiness.checks import (
    cutover,
    data,
    documentation,
    incidents,
    observability,
    security,
)
from lockgate.readiness.model import Check

CHECKS: tuple[Check, ...] = (
    *security.CHECKS,
    *observability.CHECKS,
    *incidents.CHECKS,
    *documentation.CHECKS,
    *cutover.CHECKS,
    *data.CHECKS,
)


def by_id(checks: tuple[Check, ...] = CHECKS) -> Mapping[str, Check]:
    """Checks by id."""
    return MappingProxyType({check.id: check for check in checks})


__all__ = ["CHECKS", "by_id"]
