"""`lockgate flags list|set|clear` against a manifest and its SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from click.testing import Result
from typer.testing import CliRunner

from lockgate.cli import flags as flags_cli
from lockgate.cli.context import CliState
from lockgate.flags import InvalidFlagValue
from lockgate.manifest import load
from lockgate.store import flags as stored
from lockgate.store.locate import open_store
from tests.support.gateway import manifest_dict, write_manifest


def root_app() -> typer.Typer:
    """The `lockgate` root with only the flags group, as `cli/main.py` registers it."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    flags_cli.register(root)
    return root


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["flags"] = {
        "long-context": {"kind": "percentage", "default": 10},
        "model-choice": {
            "kind": "variant",
            "default": "small",
            "variants": {"small": "s", "large": "l"},
        },
    }
    return write_manifest(tmp_path, data)


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        root_app(), ["flags", *args], obj=CliState(config=str(config)), env={"COLUMNS": "200"}
    )


@pytest.mark.parametrize(
    ("raw", "value"),
    [("false", False), ("25", 25), ('"v2"', "v2"), ("v2", "v2"), ('{"a": 90}', {"a": 90})],
)
def test_values_parse_as_json_else_text(raw: str, value: object) -> None:
    """`false` is a boolean, `25` a number, `v2` and `"v2"` the same string."""
    assert flags_cli.parse_value(raw) == value


def test_set_then_list(config: Path) -> None:
    """`set` stores an override with the CLI user as actor; `list` shows it and the defaults."""
    result = invoke(config, "set", "support-assistant.enabled", "false", "--reason", "incident 7")
    assert result.exit_code == 0, result.output
    assert "support-assistant.enabled = false" in result.output
    assert invoke(config, "set", "model-choice", "large", "--reason", "eval").exit_code == 0

    listing = invoke(config, "list")
    assert listing.exit_code == 0, listing.output
    rows = {line.split()[1]: line for line in listing.output.splitlines() if "│" in line[:2]}
    assert "false" in rows["support-assistant.enabled"]
    assert "override" in rows["support-assistant.enabled"]
    assert "incident 7" in rows["support-assistant.enabled"]
    assert '"large"' in rows["model-choice"] and "manifest" in rows["long-context"]

    store = open_store(load(config))
    try:
        overrides = stored.read_snapshot(store).overrides
    finally:
        store.close()
    assert overrides["support-assistant.enabled"].updated_by.startswith("cli:")
    assert overrides["model-choice"].value == "large"


def test_bad_value_is_refused_with_a_clear_error(config: Path) -> None:
    """`maybe` for a boolean raises the error `lockgate` prints as one line with exit code 2."""
    result = invoke(config, "set", "support-assistant.enabled", "maybe", "--reason", "x")
    assert isinstance(result.exception, InvalidFlagValue)
    assert "must be true or false" in result.exception.message


def test_reason_is_required(config: Path) -> None:
    """Without --reason the command refuses to run."""
    result = invoke(config, "set", "long-context", "50")
    assert result.exit_code == 2
    assert "--reason" in result.output


def test_clear_returns_to_the_manifest_default(config: Path) -> None:
    """`clear` removes the override."""
    assert invoke(config, "set", "long-context", "50", "--reason", "ramp").exit_code == 0
    result = invoke(config, "clear", "long-context", "--reason", "done")
    assert result.exit_code == 0, result.output
    assert "long-context = 10 (manifest default)" in result.output
