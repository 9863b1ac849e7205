"""The flags a gateway knows: the manifest's ``flags:`` plus one kill switch per service.

Every service has an implicit boolean flag ``<service>.enabled`` (default true). Declaring it in the
manifest replaces the implicit one (to add a description, rules, or make it a percentage that sheds
part of the traffic); a variant kill switch is refused as a ``problem``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from lockgate.flags.model import FlagDefinition, FlagSource
from lockgate.flags.values import build_flag, with_value
from lockgate.manifest.cutover import FlagKind, FlagSpec
from lockgate.manifest.model import Manifest

KILL_SWITCH_SUFFIX = ".enabled"


def kill_switch(service: str) -> str:
    """The name of ``service``'s kill switch flag."""
    return f"{service}{KILL_SWITCH_SUFFIX}"


def from_spec(name: str, spec: FlagSpec) -> FlagDefinition:
    """The flag a manifest entry declares."""
    return build_flag(
        name,
        spec.kind,
        spec.default,
        variants=spec.variants,
        rules=spec.rules,
        description=spec.description,
    )


def from_specs(
    flags: Mapping[str, FlagSpec], services: Iterable[str] = ()
) -> dict[str, FlagDefinition]:
    """Flags by name: the declared ones and an implicit kill switch for each service."""
    definitions = {
        kill_switch(service): build_flag(
            kill_switch(service),
            FlagKind.BOOLEAN,
            True,  # noqa: FBT003 - the kill switch's default value
            description=f"Kill switch of {service}: false stops serving it.",
        )
        for service in services
    }
    for name, spec in flags.items():
        flag = from_spec(name, spec)
        if name in definitions and flag.kind is FlagKind.VARIANT:
            flag = replace(
                flag,
                rules_problem=f"the kill switch {name!r} must be a boolean or percentage flag",
            )
        definitions[name] = flag
    return dict(sorted(definitions.items()))


def from_manifest(manifest: Manifest) -> dict[str, FlagDefinition]:
    """The flags of ``manifest``, kill switch included."""
    return from_specs(manifest.flags, [manifest.service.name])


def with_overrides(
    definitions: Mapping[str, FlagDefinition], overrides: Mapping[str, Any]
) -> dict[str, FlagDefinition]:
    """``definitions`` with runtime values applied; overrides of undeclared flags are ignored."""
    merged = dict(definitions)
    for name, value in overrides.items():
        flag = merged.get(name)
        if flag is not None:
            merged[name] = with_value(flag, value, FlagSource.OVERRIDE)
    return merged
