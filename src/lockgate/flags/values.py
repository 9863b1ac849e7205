"""Check flag values against their kind and compile flags into what evaluation applies.

``check_value`` is what ``lockgate flags set`` and the admin API run before storing anything, so a
bad value (``"maybe"`` for a boolean) is refused with a message that says what would fit.
``build_flag`` never raises: a value or rule that does not fit becomes the flag's ``problem``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from lockgate.flags.model import (
    ATTRIBUTES,
    BUCKETS,
    Fixed,
    FlagDefinition,
    FlagSource,
    InvalidFlagValue,
    Off,
    Outcome,
    Percent,
    Rule,
    Weighted,
)
from lockgate.manifest.cutover import FlagKind, TargetingRule


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _variant_names(variants: Mapping[str, Any]) -> str:
    return ", ".join(sorted(variants)) or "(none declared)"


def _percent(name: str, value: Any) -> Percent:
    if isinstance(value, bool):
        return Percent(BUCKETS if value else 0)
    if _is_number(value) and 0 <= value <= 100:
        return Percent(round(float(value) * BUCKETS / 100))
    raise InvalidFlagValue(
        f"flag {name!r} is a percentage flag: the value must be a number from 0 to 100 "
        f"(the share of requests served true), or true/false for all or none; got {value!r}",
        param="value",
    )


def _variant(name: str, variant: Any, variants: Mapping[str, Any]) -> Fixed:
    if not isinstance(variant, str) or not variant:
        raise InvalidFlagValue(
            f"flag {name!r} is a variant flag: name a variant ({_variant_names(variants)}), "
            f'give weights such as {{"a": 90, "b": 10}}, or null to switch it off; '
            f"got {variant!r}",
            param="value",
        )
    if variants and variant not in variants:
        raise InvalidFlagValue(
            f"flag {name!r} has no variant {variant!r}; "
            f"its variants are {_variant_names(variants)}",
            param="value",
        )
    return Fixed(variants.get(variant, variant), variant)


def _weights(name: str, weights: Mapping[Any, Any], variants: Mapping[str, Any]) -> Weighted:
    pairs = sorted(weights.items(), key=lambda item: str(item[0]))
    for variant, weight in pairs:
        _variant(name, variant, variants)
        if not _is_number(weight) or weight < 0:
            raise InvalidFlagValue(
                f"flag {name!r}: the weight of variant {variant!r} must be a number >= 0, "
                f"got {weight!r}",
                param="value",
            )
    total = float(sum(weight for _, weight in pairs))
    if total <= 0:
        raise InvalidFlagValue(
            f'flag {name!r}: the weights must add up to more than 0, e.g. {{"a": 90, "b": 10}}',
            param="value",
        )
    bands: list[tuple[int, str, Any]] = []
    running = 0.0
    for variant, weight in pairs:
        running += weight
        upper = BUCKETS if running >= total else round(running / total * BUCKETS)
        bands.append((upper, variant, variants.get(variant, variant)))
    return Weighted(tuple(bands))


def compile_value(
    name: str, kind: FlagKind, value: Any, variants: Mapping[str, Any] | None = None
) -> Outcome:
    """The outcome of ``value`` for a flag of ``kind``; raises ``InvalidFlagValue`` if unfit."""
    variants = variants or {}
    if kind is FlagKind.BOOLEAN:
        if isinstance(value, bool):
            return Fixed(value)
        raise InvalidFlagValue(
            f"flag {name!r} is a boolean flag: the value must be true or false, got {value!r}",
            param="value",
        )
    if kind is FlagKind.PERCENTAGE:
        return _percent(name, value)
    if value is None:
        return Off()
    if isinstance(value, Mapping):
        return _weights(name, value, variants)
    return _variant(name, value, variants)


def check_value(flag: FlagDefinition, value: Any) -> Any:
    """``value`` unchanged when it fits ``flag``; ``InvalidFlagValue`` says what would."""
    compile_value(flag.name, flag.kind, value, flag.variants)
    return value


def _compile_rule(
    name: str, kind: FlagKind, index: int, spec: TargetingRule, variants: Mapping[str, Any]
) -> Rule:
    where = f"flag {name!r} rule {index + 1}"
    attribute = spec.attribute
    if attribute not in ATTRIBUTES and not (attribute.startswith("header:") and attribute[7:]):
        raise InvalidFlagValue(
            f"{where}: attribute {attribute!r} is not one of key_id, tenant, user, service, "
            "header:<name>"
        )
    if spec.op in {"eq", "neq"} and len(spec.values) != 1:
        raise InvalidFlagValue(f"{where}: `{spec.op}` compares with exactly one value")
    if (spec.serve is None) == (spec.percentage is None):
        raise InvalidFlagValue(f"{where}: give either `serve` or `percentage`")
    if spec.percentage is not None:
        if kind is FlagKind.VARIANT:
            raise InvalidFlagValue(
                f"{where}: a variant flag's rule serves a variant or weights, not a percentage"
            )
        outcome: Outcome = _percent(name, spec.percentage)
    else:
        try:
            outcome = compile_value(name, kind, spec.serve, variants)
        except InvalidFlagValue as exc:
            raise InvalidFlagValue(f"{where}: {exc.message}") from None
    values = frozenset(spec.values)
    attribute = attribute if not attribute.startswith("header:") else attribute.lower()
    return Rule(attribute, spec.op, values, outcome)


def build_flag(
    name: str,
    kind: FlagKind,
    default: Any,
    *,
    variants: Mapping[str, Any] | None = None,
    rules: Iterable[TargetingRule] = (),
    description: str = "",
) -> FlagDefinition:
    """A flag serving its manifest ``default``; never raises (see ``FlagDefinition.problem``)."""
    variants = dict(variants or {})
    rules_spec = tuple(rules)
    compiled: list[Rule] = []
    problem = None
    try:
        compiled.extend(
            _compile_rule(name, kind, index, spec, variants)
            for index, spec in enumerate(rules_spec)
        )
    except InvalidFlagValue as exc:
        problem = exc.message
    flag = FlagDefinition(
        name=name,
        kind=kind,
        value=default,
        default=default,
        source=FlagSource.MANIFEST,
        variants=variants,
        rules_spec=rules_spec,
        description=description,
        outcome=Off(),
        rules=tuple(compiled),
        rules_problem=problem,
    )
    return with_value(flag, default, FlagSource.MANIFEST)


def with_value(flag: FlagDefinition, value: Any, source: FlagSource) -> FlagDefinition:
    """``flag`` serving ``value`` (an override, or the manifest default again)."""
    try:
        outcome = compile_value(flag.name, flag.kind, value, flag.variants)
    except InvalidFlagValue as exc:
        origin = "the manifest default" if source is FlagSource.MANIFEST else "the override"
        return replace(
            flag,
            value=value,
            source=source,
            outcome=Off(),
            value_problem=f"{origin} does not fit: {exc.message}",
        )
    return replace(flag, value=value, source=source, outcome=outcome, value_problem=None)
