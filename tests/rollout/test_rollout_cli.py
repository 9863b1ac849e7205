"""``lockgate rollout``: commands write to the store; status shows phase, verdict and events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.cli import rollout as rollout_cli
from lockgate.manifest import load
from lockgate.rollout.controller import RolloutController
from lockgate.rollout.errors import ApprovalRefused, OutsideCutoverWindow
from lockgate.store import migrate
from lockgate.store.db import Store
from lockgate.store.locate import open_store
from tests.rollout.helpers import SERVICE, Clock, Notices, Traffic, drive, rollout_section
from tests.support.gateway import manifest_dict, write_manifest
from tests.support.servers import run


@pytest.fixture
def cli(tmp_path: Path) -> typer.Typer:
    root = typer.Typer()
    rollout_cli.register(root)
    return root


def _manifest(folder: Path, *, stage: str = "poc", **rollout: Any) -> Path:
    data = manifest_dict(dict.fromkeys(("v1", "v2", "v3"), "http://127.0.0.1:9"))
    data["service"]["stage"] = stage
    data["rollout"] = rollout_section(**rollout)
    return write_manifest(folder, data)


def _store(path: Path) -> Store:
    store = open_store(load(path))
    migrate.upgrade(store)
    return store


def _invoke(cli: typer.Typer, path: Path, *args: str, key: str | None = None) -> Any:
    env = {"LOCKGATE_CONFIG": str(path), "COLUMNS": "200"}
    if key is not None:
        env["LOCKGATE_API_KEY"] = key
    return CliRunner().invoke(cli, ["rollout", *args], env=env)


def test_operator_commands_move_the_rollout(tmp_path: Path, cli: typer.Typer) -> None:
    """start, pause, resume, abort and status work from the terminal and are shown."""
    path = _manifest(tmp_path)
    started = _invoke(cli, path, "start", SERVICE, "v2", "--reason", "weekly release")
    assert started.exit_code == 0, started.output
    assert "pending" in started.output and "v2 0 %" in started.output
    assert "paused" in _invoke(cli, path, "pause", SERVICE).output
    assert "pending" in _invoke(cli, path, "resume", SERVICE).output
    aborted = _invoke(cli, path, "abort", SERVICE, "--reason", "wrong build")
    assert "aborting" in aborted.output and "v1 100 %" in aborted.output
    status = _invoke(cli, path, "status", SERVICE)
    assert status.exit_code == 0, status.output
    for word in ("aborting", "started", "paused", "resumed", "aborted", "wrong build"):
        assert word in status.output
    assert "rolled_back" in _invoke(cli, path, "rollback", SERVICE).output


def test_status_shows_the_last_verdict_with_its_numbers(tmp_path: Path, cli: typer.Typer) -> None:
    """After an analysis the status lists each metric's status, values and reason."""
    path = _manifest(tmp_path)
    assert _invoke(cli, path, "start", SERVICE, "v2", "--strategy", "canary").exit_code == 0
    store = _store(path)
    clock = Clock()
    controller = RolloutController(store, "replica-a", Notices(), clock=clock)
    traffic = Traffic(store, clock, candidate_errors=0.08)
    run(drive(controller, clock, traffic, lambda r: not r.active, store=store))
    status = _invoke(cli, path, "status")
    assert status.exit_code == 0, status.output
    for word in ("rolled_back", "last verdict", "error_rate", "fail", "0.08", "recent events"):
        assert word in status.output, word
    watched = _invoke(cli, path, "status", "--watch", "--every", "0.2", "--iterations", "2")
    assert watched.exit_code == 0 and "rolled_back" in watched.output


def test_refusals_reach_the_terminal_as_errors(tmp_path: Path, cli: typer.Typer) -> None:
    """Outside the windows the start is refused; the starter's own key cannot approve."""
    closed = _manifest(tmp_path, windows=[{"days": ["sun"], "start": "00:00", "end": "00:01"}])
    refused = _invoke(cli, closed, "start", SERVICE, "v2")
    assert isinstance(refused.exception, OutsideCutoverWindow)
    forced = _invoke(cli, closed, "start", SERVICE, "v2", "--override", "--reason", "incident")
    assert forced.exit_code == 0, forced.output


def test_approve_authenticates_the_key(tmp_path: Path, cli: typer.Typer) -> None:
    """approve needs a key with rollouts:approve, taken from --key or $LOCKGATE_API_KEY."""
    path = _manifest(tmp_path, stage="production")
    assert _invoke(cli, path, "start", SERVICE, "v2").exit_code == 0
    store = _store(path)
    _, weak = manage.create_key(store, actor="t", name="w", scopes=frozenset({Scope.INVOKE}))
    _, strong = manage.create_key(
        store, actor="t", name="lead", scopes=frozenset({Scope.ROLLOUTS_APPROVE})
    )
    assert isinstance(_invoke(cli, path, "approve", SERVICE, key=weak).exception, ApprovalRefused)
    approved = _invoke(cli, path, "approve", SERVICE, "--reason", "dashboards fine", key=strong)
    assert approved.exit_code == 0, approved.output
    assert "approved by key" in approved.output
