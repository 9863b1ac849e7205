"""``lockgate drill run`` and ``lockgate drill list`` as an operator uses them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from lockgate.auth.scopes import Scope
from lockgate.cli import drill as drill_cli
from lockgate.cli.main import main as root_options
from lockgate.drills import DrillError, DrillRefused
from tests.support.gateway import Gateway


def parse(output: str) -> Any:
    """The JSON document in ``output`` (the in-process gateway may log lines before it)."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if line in {"{", "[", "[]"})
    return json.loads("\n".join(lines[start:]))


@pytest.fixture
def cli() -> typer.Typer:
    """The root command with the drill group."""
    root = typer.Typer()
    root.callback()(root_options)
    drill_cli.register(root)
    return root


def test_run_prints_the_verdict_and_list_shows_it(cli: typer.Typer, gateway: Gateway) -> None:
    """A passing drill exits 0 with its timings; `drill list` shows it, as text and JSON."""
    result = CliRunner().invoke(
        cli,
        [
            "--config",
            str(gateway.manifest_path),
            "drill",
            "run",
            "kill-switch",
            "--gateway",
            gateway.url,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "PASSED" in result.output and "detect" in result.output
    listed = CliRunner().invoke(cli, ["--config", str(gateway.manifest_path), "drill", "list"])
    assert listed.exit_code == 0 and "kill-switch" in listed.output and "passed" in listed.output
    rows = parse(
        CliRunner()
        .invoke(cli, ["--config", str(gateway.manifest_path), "drill", "list", "--json"])
        .output
    )
    assert rows[0]["scenario"] == "kill-switch" and rows[0]["passed"] is True
    assert rows[0]["timings"]["mitigate"] <= 3.0


def test_run_json_and_the_not_available_exit_code(cli: typer.Typer, gateway: Gateway) -> None:
    """--json prints the report; a scenario without its machinery exits 3 and records nothing."""
    args = ["--config", str(gateway.manifest_path), "drill", "run"]
    result = CliRunner().invoke(cli, [*args, "drift", "--gateway", gateway.url, "--json"])
    assert result.exit_code == 3
    body = parse(result.output)
    assert body == {
        "available": False,
        "missing": "no drift monitor is configured (monitors.drift in the manifest)",
        "passed": False,
    }
    listed = CliRunner().invoke(cli, ["--config", str(gateway.manifest_path), "drill", "list"])
    assert "no drills recorded yet" in listed.output


def test_remote_gateways_are_refused(cli: typer.Typer, gateway: Gateway) -> None:
    """Drill traffic goes to this host only."""
    args = ["--config", str(gateway.manifest_path), "drill", "run", "kill-switch"]
    result = CliRunner().invoke(cli, [*args, "--gateway", "http://192.0.2.10:8700"])
    assert isinstance(result.exception, DrillRefused)


def test_a_key_file_without_the_needed_scope_fails_clearly(
    cli: typer.Typer, gateway: Gateway, tmp_path: Path
) -> None:
    """A --key-file key is used as is; the gateway's refusal names the missing scope."""
    key_file = tmp_path / "key"
    key_file.write_text(gateway.key(Scope.INVOKE) + "\n")
    args = ["--config", str(gateway.manifest_path), "drill", "run", "kill-switch"]
    result = CliRunner().invoke(cli, [*args, "--gateway", gateway.url, "--key-file", str(key_file)])
    assert isinstance(result.exception, DrillError)
    assert "flags:read" in str(result.exception)
