"""What a key may do. Every endpoint names the one scope it needs."""

from __future__ import annotations

from enum import StrEnum


class Scope(StrEnum):
    """Permission a key carries; least privilege means a key holds only what its job needs."""

    INVOKE = "invoke"
    METRICS_READ = "metrics:read"
    FLAGS_READ = "flags:read"
    FLAGS_WRITE = "flags:write"
    ROLLOUTS_WRITE = "rollouts:write"
    ROLLOUTS_APPROVE = "rollouts:approve"
    KEYS_ADMIN = "keys:admin"
    AUDIT_READ = "audit:read"
    INTERACTIONS_READ = "interactions:read"
    CONFIG_WRITE = "config:write"


def parse_scopes(values: list[str]) -> frozenset[Scope]:
    """Scopes from their names; an unknown name is an error that lists the valid ones."""
    known = {scope.value: scope for scope in Scope}
    unknown = [value for value in values if value not in known]
    if unknown:
        valid = ", ".join(known)
        raise ValueError(f"unknown scope(s) {', '.join(unknown)}; valid scopes: {valid}")
    return frozenset(known[value] for value in values)
