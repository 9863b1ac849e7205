"""Checklist versions, their diff, the public surface, and the checklist page in docs/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import lockgate.readiness
from lockgate.errors import ConfigError
from lockgate.readiness.checks import CHECKS
from lockgate.readiness.formats.checklist import table
from lockgate.readiness.versions import (
    CHECKLIST_VERSION,
    current,
    definitions,
    diff,
    document,
    released,
)

DOC = Path(__file__).resolve().parents[2] / "docs" / "readiness.md"


def test_current_checks_match_the_released_version() -> None:
    """Changing a check needs a new CHECKLIST_VERSION and its JSON file in checklists/."""
    assert CHECKLIST_VERSION in released()
    assert dict(current(CHECKS)) == dict(definitions(CHECKLIST_VERSION)), (
        "the checks differ from the released checklist: bump CHECKLIST_VERSION and write "
        "python -m lockgate.readiness.versions > src/lockgate/readiness/checklists/<new>.json"
    )


def test_diff_names_added_removed_and_changed_fields() -> None:
    """The diff lists added and removed ids and, per changed check, the fields that differ."""
    new = current(CHECKS)
    old = {i: dict(d) for i, d in new.items() if i != "OBS-006"}
    old["SEC-001"]["gate"] = "staging"
    old["SEC-001"]["title"] = "older title"
    old["GONE-001"] = {"id": "GONE-001"}
    found = diff(old, new, old_name="0.9", new_name="1.0")
    assert found.added == ("OBS-006",) and found.removed == ("GONE-001",)
    assert [(c.id, c.fields) for c in found.changed] == [("SEC-001", ("gate", "title"))]
    assert not found.empty
    assert diff(new, new, old_name="1.0", new_name="1.0").empty


def test_unknown_version_is_a_config_error() -> None:
    """Asking for a version that was never released names the released ones."""
    with pytest.raises(ConfigError, match=CHECKLIST_VERSION):
        definitions("0.0.1")


def test_document_round_trips() -> None:
    """The JSON written for a release reads back as the same definitions."""
    import json

    body = json.loads(document(CHECKS))
    assert body["version"] == CHECKLIST_VERSION
    assert {item["id"]: item for item in body["checks"]} == dict(current(CHECKS))


def test_docs_list_every_check() -> None:
    """docs/readiness.md carries the generated checklist table, so it names every check."""
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- checklist:start -->\n(.*?)<!-- checklist:end -->", text, re.S)
    assert block is not None
    assert block.group(1).strip() == table(CHECKS).strip(), (
        "regenerate the table: python -m lockgate.readiness.formats.checklist"
    )
    listed = set(re.findall(r"^\| ([A-Z]+-\d{3}) \|", block.group(1), re.M))
    assert listed == {check.id for check in CHECKS}


def _ruff_order(name: str) -> tuple[int, str]:
    """RUF022's order: constants, then classes, then functions, each alphabetical."""
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_public_surface() -> None:
    """The package re-exports a sorted, unique __all__ of names that exist."""
    names = lockgate.readiness.__all__
    assert names == sorted(names, key=_ruff_order) and len(set(names)) == len(names)
    assert all(getattr(lockgate.readiness, name) is not None for name in names)
