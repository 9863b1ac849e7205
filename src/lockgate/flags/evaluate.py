"""Flag evaluation: pure, no I/O, and it never raises.

Rules are tried in order and the first match serves its outcome (reason TARGETING_MATCH); otherwise
the flag's value does (DEFAULT for the manifest's, STATIC for an override, SPLIT for a percentage or
weighted split). Splits are sticky: the bucket is a hash of the flag name and the context's stable
key (user, else tenant, else key id), so every replica gives the same user the same answer, and
raising a percentage only adds users. Any failure returns the caller's default with reason ERROR
and an error code, as OpenFeature does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any, TypeVar

from lockgate.flags.model import (
    BUCKETS,
    ErrorCode,
    EvaluationContext,
    Fixed,
    FlagDefinition,
    FlagSource,
    Off,
    Outcome,
    Percent,
    Reason,
    Resolution,
    Weighted,
)

T = TypeVar("T")


def bucket(flag: str, stable_key: str) -> int:
    """The sticky bucket (0..9999) of ``stable_key`` for ``flag``: the same on every replica."""
    digest = hashlib.sha256(f"{flag}\x1f{stable_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % BUCKETS


def _apply(outcome: Outcome, flag: str, context: EvaluationContext) -> tuple[Any, str | None]:
    if isinstance(outcome, Fixed):
        return outcome.value, outcome.variant
    if isinstance(outcome, Percent):
        if outcome.threshold >= BUCKETS:
            return True, None
        return bucket(flag, context.stable_key) < outcome.threshold, None
    if isinstance(outcome, Weighted):
        position = bucket(flag, context.stable_key)
        for upper, variant, value in outcome.bands:
            if position < upper:
                return value, variant
        _, variant, value = outcome.bands[-1]
        return value, variant
    raise AssertionError(f"unhandled outcome {outcome!r}")  # pragma: no cover


_SAME_KIND: tuple[tuple[type | tuple[type, ...], type | tuple[type, ...]], ...] = (
    (int, int),
    (float, (int, float)),
    (str, str),
    (Mapping, Mapping),
    ((list, tuple), (list, tuple)),
)
"""(default's type, value types that fit it), after booleans, which only fit booleans."""


def _fits(value: Any, default: Any) -> bool:
    if default is None:
        return True
    if isinstance(default, bool) or isinstance(value, bool):
        return isinstance(value, bool) and isinstance(default, bool)
    for default_type, value_types in _SAME_KIND:
        if isinstance(default, default_type):
            return isinstance(value, value_types)
    return isinstance(value, type(default))


def _error(flag: str, default: T, code: ErrorCode, message: str) -> Resolution[T]:
    return Resolution(flag, default, Reason.ERROR, error_code=code, error_message=message)


def _resolve(flag: FlagDefinition, context: EvaluationContext) -> tuple[Outcome, Reason]:
    for rule in flag.rules:
        if rule.matches(context):
            return rule.outcome, Reason.TARGETING_MATCH
    outcome = flag.outcome
    if isinstance(outcome, Percent | Weighted):
        return outcome, Reason.SPLIT
    if isinstance(outcome, Off):
        return outcome, Reason.DISABLED
    return outcome, Reason.DEFAULT if flag.source is FlagSource.MANIFEST else Reason.STATIC


def evaluate(flag: FlagDefinition | None, context: EvaluationContext, default: T) -> Resolution[T]:
    """The value of ``flag`` for ``context``; the caller's ``default`` with a reason otherwise."""
    name = flag.name if isinstance(flag, FlagDefinition) else "?"
    try:
        if flag is None:
            return _error(name, default, ErrorCode.FLAG_NOT_FOUND, "no such flag")
        if flag.problem is not None:
            return _error(name, default, ErrorCode.PARSE_ERROR, flag.problem)
        outcome, reason = _resolve(flag, context)
        if isinstance(outcome, Off):
            return Resolution(name, default, reason)
        value, variant = _apply(outcome, name, context)
        if not _fits(value, default):
            return _error(
                name,
                default,
                ErrorCode.TYPE_MISMATCH,
                f"the flag serves {type(value).__name__} but the default is "
                f"{type(default).__name__}",
            )
        if isinstance(default, float) and not isinstance(value, float):
            value = float(value)
        return Resolution(name, value, reason, variant=variant)
    except Exception as exc:  # noqa: BLE001 - evaluation must never raise to the caller
        return _error(name, default, ErrorCode.GENERAL, f"{type(exc).__name__}: {exc}")
