"""Flag values, contexts and resolutions: small frozen types shared by evaluation and storage.

A flag's configured value compiles to an ``Outcome``: a ``Fixed`` value, a ``Percent`` split that
serves true to a share of buckets, a ``Weighted`` split across variants, or ``Off`` (no value: the
caller's default). Evaluation picks an outcome (a matching rule's, else the flag's) and applies it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Generic, TypeVar

from lockgate.errors import RequestError
from lockgate.manifest.cutover import FlagKind, TargetingRule

T = TypeVar("T")

BUCKETS = 10_000
"""Sticky buckets per flag: a percentage has a resolution of 0.01 %."""


class Reason(StrEnum):
    """Why a resolution has its value (OpenFeature's reasons)."""

    STATIC = "STATIC"
    """A runtime override set with `lockgate flags set` or the admin API."""
    TARGETING_MATCH = "TARGETING_MATCH"
    """A targeting rule matched the context."""
    SPLIT = "SPLIT"
    """A percentage or weighted split chose the value by sticky bucketing."""
    DEFAULT = "DEFAULT"
    """The manifest's default value."""
    DISABLED = "DISABLED"
    """The flag has no value (a variant flag set to null): the caller's default."""
    ERROR = "ERROR"
    """Something was wrong: the caller's default, with an error code."""
    STALE = "STALE"
    """The value is the last known one: the store could not be reached since ``stale_since``."""


class ErrorCode(StrEnum):
    """What went wrong when a resolution carries the caller's default (OpenFeature's codes)."""

    FLAG_NOT_FOUND = "FLAG_NOT_FOUND"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    PARSE_ERROR = "PARSE_ERROR"
    GENERAL = "GENERAL"


class FlagSource(StrEnum):
    """Where a flag's current value comes from."""

    MANIFEST = "manifest"
    OVERRIDE = "override"


class InvalidFlagValue(RequestError):
    """A value that does not fit the flag's kind (e.g. ``"maybe"`` for a boolean flag)."""

    code = "invalid_flag_value"


@dataclass(frozen=True, slots=True)
class Resolution(Generic[T]):
    """The answer for one flag: a value always, and why; the caller's default on error."""

    flag: str
    value: T
    reason: Reason
    variant: str | None = None
    error_code: ErrorCode | None = None
    error_message: str | None = None

    def as_stale(self) -> Resolution[T]:
        """The same value, marked as the last known one."""
        return replace(self, reason=Reason.STALE)


class BytesHeaders(Mapping[str, str]):
    """Request headers kept as raw bytes and decoded only when a rule asks for one."""

    __slots__ = ("_raw",)

    def __init__(self, raw: Mapping[bytes, bytes]) -> None:
        self._raw = raw

    def __getitem__(self, name: str) -> str:
        return self._raw[name.lower().encode("latin-1")].decode("latin-1")

    def __iter__(self) -> Iterator[str]:
        return (name.decode("latin-1") for name in self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True, slots=True)
class EvaluationContext:
    """What targeting may look at; header names are lower case."""

    key_id: str | None = None
    tenant: str | None = None
    user: str | None = None
    service: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def attribute(self, name: str) -> str | None:
        """``key_id``, ``tenant``, ``user``, ``service`` or ``header:<name>``; None when absent."""
        if name.startswith("header:"):
            value = self.headers.get(name[7:].lower())
        elif name in ATTRIBUTES:
            value = getattr(self, name)
        else:
            return None
        return value if isinstance(value, str) else None

    @property
    def stable_key(self) -> str:
        """What sticky bucketing hashes: the user, else the tenant, else the key id."""
        for value in (self.user, self.tenant, self.key_id):
            if isinstance(value, str) and value:
                return value
        return ""


ATTRIBUTES = frozenset({"key_id", "tenant", "user", "service"})


@dataclass(frozen=True, slots=True)
class Fixed:
    """Serve one value (``variant`` names it for variant flags)."""

    value: Any
    variant: str | None = None


@dataclass(frozen=True, slots=True)
class Percent:
    """Serve true to buckets below ``threshold`` (0..10000), false to the rest."""

    threshold: int


@dataclass(frozen=True, slots=True)
class Weighted:
    """Serve the first variant whose cumulative upper bucket exceeds the request's bucket."""

    bands: tuple[tuple[int, str, Any], ...]


@dataclass(frozen=True, slots=True)
class Off:
    """No value: the caller's default."""


Outcome = Fixed | Percent | Weighted | Off


@dataclass(frozen=True, slots=True)
class Rule:
    """A compiled targeting rule: ``attribute op values`` serves ``outcome``."""

    attribute: str
    op: str
    values: frozenset[str]
    outcome: Outcome

    def matches(self, context: EvaluationContext) -> bool:
        """True when the context's attribute satisfies the rule; an absent attribute never does."""
        value = context.attribute(self.attribute)
        if value is None:
            return False
        inside = value in self.values
        return inside if self.op in {"in", "eq"} else not inside


@dataclass(frozen=True, slots=True)
class FlagDefinition:
    """A flag as evaluated: its spec, current value, compiled outcome and rules.

    Build one with ``lockgate.flags.build_flag``. ``problem`` is set when the value or a rule
    does not fit the flag's kind; evaluation then answers the caller's default with
    ``PARSE_ERROR`` instead of guessing.
    """

    name: str
    kind: FlagKind
    value: Any
    default: Any
    source: FlagSource
    variants: Mapping[str, Any]
    rules_spec: tuple[TargetingRule, ...]
    description: str
    outcome: Outcome
    rules: tuple[Rule, ...]
    rules_problem: str | None = None
    value_problem: str | None = None

    @property
    def problem(self) -> str | None:
        """Why this flag cannot be evaluated, or None."""
        return self.rules_problem or self.value_problem
