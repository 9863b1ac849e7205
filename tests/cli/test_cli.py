"""The command line as users run it: a real `lockgate` process per call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.gateway import manifest_dict, write_manifest

LOCKGATE = [sys.executable, "-m", "lockgate"]


def lockgate(
    *args: str, cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*LOCKGATE, *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_schema_prints_json(tmp_path: Path) -> None:
    """`lockgate schema` prints the manifest's JSON Schema."""
    result = lockgate("schema", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "versions" in json.loads(result.stdout)["properties"]


def test_validate_reports_file_line_and_exit_2(tmp_path: Path) -> None:
    """A bad manifest is exit 2 with file:line:column and no traceback."""
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["versions"]["v1"]["timout"] = 3
    path = write_manifest(tmp_path, data)
    result = lockgate("validate", str(path), cwd=tmp_path)
    assert result.returncode == 2
    assert f"{path}:" in result.stderr and "timout" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    good = write_manifest(tmp_path, manifest_dict({"v1": "http://127.0.0.1:9"}))
    assert lockgate("validate", str(good), cwd=tmp_path).returncode == 0


def test_keys_create_list_revoke_finds_config_three_ways(tmp_path: Path) -> None:
    """--config, $LOCKGATE_CONFIG and ./lockgate.yaml all work; the key is the last line."""
    path = write_manifest(tmp_path, manifest_dict({"v1": "http://127.0.0.1:9"}))
    created = lockgate(
        "--config",
        str(path),
        "keys",
        "create",
        "--name",
        "ops",
        "--scope",
        "invoke",
        "--scope",
        "metrics:read",
        "--service",
        "support-assistant",
        "--expires",
        "30d",
        cwd=tmp_path.parent,
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("lk_") and len(token.split("_")) == 3

    listed = lockgate("keys", "list", cwd=tmp_path.parent, env={"LOCKGATE_CONFIG": str(path)})
    key_id = token.split("_")[1]
    assert key_id in listed.stdout and token.split("_")[2] not in listed.stdout

    revoked = lockgate("keys", "revoke", key_id, "--reason", "rotated", cwd=tmp_path)
    assert revoked.returncode == 0, revoked.stderr
    assert "revoked" in lockgate("keys", "list", "--all", cwd=tmp_path).stdout


def test_bad_cli_input_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    """Unknown scopes, bad lifetimes and a missing manifest are clear one-line errors."""
    write_manifest(tmp_path, manifest_dict({"v1": "http://127.0.0.1:9"}))
    bad_scope = lockgate("keys", "create", "--name", "x", "--scope", "root", cwd=tmp_path)
    assert bad_scope.returncode == 2 and "valid scopes" in bad_scope.stderr
    bad_expiry = lockgate(
        "keys", "create", "--name", "x", "--scope", "invoke", "--expires", "soon", cwd=tmp_path
    )
    assert bad_expiry.returncode == 2 and "duration" in bad_expiry.stderr
    missing = lockgate("--config", "nope.yaml", "keys", "list", cwd=tmp_path)
    assert missing.returncode == 2 and "nope.yaml" in missing.stderr
    for result in (bad_scope, bad_expiry, missing):
        assert "Traceback" not in result.stderr


def test_db_upgrade(tmp_path: Path) -> None:
    """`lockgate db upgrade` migrates the data dir's SQLite to the newest revision."""
    write_manifest(tmp_path, manifest_dict({"v1": "http://127.0.0.1:9"}))
    result = lockgate("db", "upgrade", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "data" / "lockgate.db").exists()
    assert yaml.safe_load((tmp_path / "lockgate.yaml").read_text())["service"]["name"]
