"""The flags document of ``GET /admin/v1/flags``, and how a client rebuilds flags from it.

The document carries each flag's full definition (kind, value, variants, rules), so the OpenFeature
provider evaluates with the same code as the gateway and gets the same answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from lockgate.flags.model import FlagDefinition, FlagSource
from lockgate.flags.values import build_flag, with_value
from lockgate.manifest.cutover import FlagKind, TargetingRule
from lockgate.store.flags import FlagState


class FlagOut(BaseModel):
    """One flag as a replica serves it."""

    name: str
    kind: FlagKind
    value: Any = Field(description="The current value: the override, else the manifest default.")
    default: Any = Field(description="The manifest default.")
    source: FlagSource
    variants: dict[str, Any] = Field(default_factory=dict)
    rules: list[TargetingRule] = Field(default_factory=list)
    description: str = ""
    updated_by: str | None = None
    updated_at: dt.datetime | None = None
    reason: str | None = None
    problem: str | None = Field(default=None, description="Why the flag cannot be evaluated.")


class CacheOut(BaseModel):
    """How fresh the answering replica's flags are."""

    mode: str
    listening: bool
    connections: int
    epoch: int | None
    loaded_at: dt.datetime | None
    stale: bool
    stale_since: dt.datetime | None
    last_error: str | None


class FlagList(BaseModel):
    """Every flag and the freshness of the replica that answered."""

    flags: list[FlagOut]
    cache: CacheOut


class FlagChange(BaseModel):
    """A new value for a flag and why."""

    model_config = ConfigDict(extra="forbid")

    value: Any = Field(description="true/false, a percentage, a variant name or weights.")
    reason: str = Field(min_length=1, max_length=2000, description="Why, for the audit log.")


def flag_out(state: FlagState) -> FlagOut:
    """The document entry of ``state``."""
    flag, override = state.flag, state.override
    return FlagOut(
        name=flag.name,
        kind=flag.kind,
        value=flag.value,
        default=flag.default,
        source=flag.source,
        variants=dict(flag.variants),
        rules=list(flag.rules_spec),
        description=flag.description,
        updated_by=override.updated_by if override else None,
        updated_at=override.updated_at if override else None,
        reason=override.reason if override else None,
        problem=flag.problem,
    )


def definition_of(entry: FlagOut) -> FlagDefinition:
    """The flag an entry describes, compiled exactly as the gateway compiles it."""
    flag = build_flag(
        entry.name,
        entry.kind,
        entry.default,
        variants=entry.variants,
        rules=entry.rules,
        description=entry.description,
    )
    if entry.source is FlagSource.OVERRIDE:
        flag = with_value(flag, entry.value, FlagSource.OVERRIDE)
    if entry.problem and flag.problem is None:  # e.g. a variant kill switch, refused by the gateway
        flag = replace(flag, rules_problem=entry.problem)
    return flag
