"""``lockgate init``: scaffolds that validate, runbooks with front matter, no silent overwrite."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from lockgate import scaffold
from lockgate.errors import ConfigError
from lockgate.manifest import load
from lockgate.manifest.governance import Activity
from lockgate.readiness.frontmatter import missing_fields, split

TODAY = dt.date(2026, 6, 15)


@pytest.mark.parametrize("example", [None, "support-assistant"])
def test_scaffold_validates_and_names_existing_runbooks(
    tmp_path: Path, example: str | None
) -> None:
    """The manifest validates; every runbook it names exists with complete front matter."""
    written = scaffold.write(tmp_path, example, today=TODAY)
    loaded = load(tmp_path / "lockgate.yaml")
    manifest = loaded.manifest
    runbooks = {f"runbooks/{r}.md" for r in scaffold.RUNBOOKS}
    expected = {"lockgate.yaml", "MODEL_CARD.md", "RACI.md", *runbooks}
    assert {p.relative_to(tmp_path).as_posix() for p in written} >= expected
    assert len(manifest.runbooks) == len(scaffold.RUNBOOKS)
    people = set(manifest.ownership.people)
    for runbook in manifest.runbooks:
        assert runbook.path is not None
        document = split((tmp_path / runbook.path).read_text())
        assert document.error == "" and missing_fields(document.meta) == []
        assert document.meta["owner"] in people and document.meta["id"] == runbook.id
    assert set(manifest.ownership.raci) == set(Activity)
    assert "# " in loaded.text.splitlines()[0]  # commented


def test_example_is_the_support_assistant(tmp_path: Path) -> None:
    """The example carries the assistant's versions, golden set and a review dated today."""
    scaffold.write(tmp_path, "support-assistant", today=TODAY)
    manifest = load(tmp_path / "lockgate.yaml").manifest
    assert manifest.service.name == "support-assistant" and list(manifest.versions) == [
        "v1", "v2", "v3"
    ]  # fmt: skip
    assert manifest.security.review is not None and manifest.security.review.date == TODAY
    golden = (tmp_path / "golden.jsonl").read_text().splitlines()
    assert len(golden) >= 10 and '"expected_intent"' in golden[0]


def test_starter_claims_no_review_and_marks_placeholders(tmp_path: Path) -> None:
    """The starter records no security review and marks text to replace with TODO."""
    scaffold.write(tmp_path, None, today=TODAY)
    loaded = load(tmp_path / "lockgate.yaml")
    assert loaded.manifest.security.review is None
    assert "TODO" in loaded.manifest.model_card.purpose
    assert "TODO" in (tmp_path / "MODEL_CARD.md").read_text()


def test_raci_page_has_a_row_per_activity(tmp_path: Path) -> None:
    """RACI.md has one row per activity, each with exactly one A."""
    scaffold.write(tmp_path, "support-assistant", today=TODAY)
    rows = [
        line for line in (tmp_path / "RACI.md").read_text().splitlines()
        if line.startswith("| ") and line.split("|")[1].strip() in set(Activity)
    ]  # fmt: skip
    assert len(rows) == len(Activity)
    assert all([cell.strip() for cell in row.split("|")].count("A") == 1 for row in rows)


def test_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    """Existing files are an error naming them; --force overwrites."""
    (tmp_path / "lockgate.yaml").write_text("mine\n")
    with pytest.raises(ConfigError, match="--force"):
        scaffold.write(tmp_path, None, today=TODAY)
    assert (tmp_path / "lockgate.yaml").read_text() == "mine\n"
    assert not (tmp_path / "MODEL_CARD.md").exists()
    scaffold.write(tmp_path, None, force=True, today=TODAY)
    load(tmp_path / "lockgate.yaml")


def test_unknown_example_is_an_error(tmp_path: Path) -> None:
    """An unknown --example lists the known ones."""
    with pytest.raises(ConfigError, match="support-assistant"):
        scaffold.write(tmp_path, "chatbot", today=TODAY)
