"""Checklist versions: each released checklist's definitions, and what changed since one.

Every released version is a JSON file in ``checklists/`` holding each check's definition (id,
title, area, gate, severity, kind, freshness, remediation). A test fails when the current checks
differ from the file of ``CHECKLIST_VERSION``: changing a check means a new version, written with
``python -m lockgate.readiness.versions > src/lockgate/readiness/checklists/<version>.json``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType
from typing import Any

from lockgate.errors import ConfigError
from lockgate.readiness.model import Check

CHECKLIST_VERSION = "1.0"
_FOLDER = "checklists"

Definitions = Mapping[str, Mapping[str, Any]]


def released() -> tuple[str, ...]:
    """Every released checklist version, oldest first."""
    folder = resources.files("lockgate.readiness").joinpath(_FOLDER)
    names = [item.name.removesuffix(".json") for item in folder.iterdir()]
    return tuple(sorted((n for n in names if not n.startswith(("_", "."))), key=_order))


def _order(version: str) -> tuple[int, ...]:
    return tuple(int(part) if part.isdigit() else 0 for part in version.split("."))


def definitions(version: str) -> Definitions:
    """The check definitions of a released version; an unknown version is a ``ConfigError``."""
    if version not in released():
        known = ", ".join(released())
        raise ConfigError(f"no checklist version {version!r}; released versions: {known}")
    file = resources.files("lockgate.readiness").joinpath(_FOLDER, f"{version}.json")
    items = json.loads(file.read_text(encoding="utf-8"))["checks"]
    return MappingProxyType({item["id"]: MappingProxyType(item) for item in items})


def current(checks: Iterable[Check]) -> Definitions:
    """The definitions of ``checks``, in the released files' form."""
    return MappingProxyType({c.id: MappingProxyType(c.definition()) for c in checks})


@dataclass(frozen=True, slots=True)
class Change:
    """A check whose definition differs between two versions, and the fields that changed."""

    id: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ChecklistDiff:
    """What a newer checklist added, removed and changed."""

    old: str
    new: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[Change, ...]

    @property
    def empty(self) -> bool:
        """True when both versions define the same checks."""
        return not (self.added or self.removed or self.changed)


def diff(old: Definitions, new: Definitions, *, old_name: str, new_name: str) -> ChecklistDiff:
    """Checks added, removed and changed (with the fields that changed) from ``old`` to ``new``."""
    changed = []
    for check_id in new:
        if check_id in old:
            before, after = old[check_id], new[check_id]
            fields = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
            if fields:
                changed.append(Change(check_id, tuple(fields)))
    return ChecklistDiff(
        old=old_name,
        new=new_name,
        added=tuple(i for i in new if i not in old),
        removed=tuple(i for i in old if i not in new),
        changed=tuple(changed),
    )


def document(checks: Iterable[Check], version: str = CHECKLIST_VERSION) -> str:
    """The JSON file of a released version."""
    body = {"version": version, "checks": [check.definition() for check in checks]}
    return json.dumps(body, indent=2, sort_keys=False) + "\n"


if __name__ == "__main__":
    from lockgate.readiness.checks import CHECKS

    sys.stdout.write(document(CHECKS))
