"""``lockgate backup -o FILE`` and ``lockgate restore --verify FILE`` on both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from sqlalchemy import text
from typer.testing import CliRunner

from lockgate.cli import backup as backup_cli
from lockgate.cli.main import main as root_options
from lockgate.errors import ConfigError
from lockgate.store import evidence
from lockgate.store.db import Store
from tests.backup.test_backup import populate
from tests.support.gateway import manifest_dict, write_manifest


@pytest.fixture
def cli() -> typer.Typer:
    """The root command with backup and restore."""
    root = typer.Typer()
    root.callback()(root_options)
    backup_cli.register(root)
    return root


def run(cli: typer.Typer, config: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config), *args])


def test_backup_then_verified_restore_is_recorded(
    cli: typer.Typer, db_url: str, tmp_path: Path
) -> None:
    """The commands an operator runs; the restore lands as passing evidence."""
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["gateway"]["database_url"] = db_url
    config = write_manifest(tmp_path, data)
    store = Store.open(db_url)
    populate(store)
    target = tmp_path / "nightly.backup"
    made = run(cli, config, "backup", "-o", str(target))
    assert made.exit_code == 0, made.output
    assert "backed up to" in made.output and target.is_file()
    checked = run(cli, config, "restore", "--verify", str(target))
    assert checked.exit_code == 0, checked.output
    assert "PASSED" in checked.output and "rows in api_keys" in checked.output
    proof = evidence.latest(store, "backup.restore", subject="nightly.backup")
    assert proof is not None and proof.passed and proof.details["counts"]["api_keys"] == 3

    unverified = run(cli, config, "restore", str(target)).exception
    assert isinstance(unverified, ConfigError) and "--verify" in unverified.message

    with store.engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1"))
    assert run(cli, config, "backup", "-o", str(target)).exit_code == 0
    failed = run(cli, config, "restore", "--verify", "--json", str(target))
    assert failed.exit_code == 1
    body = json.loads(failed.output[failed.output.index("{") :])
    assert body["passed"] is False and body["audit_chain"]["seq"] == 1
    proof = evidence.latest(store, "backup.restore", subject="nightly.backup")
    assert proof is not None and not proof.passed
    store.close()
