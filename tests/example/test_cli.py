"""`lockgate example ...` through Typer, and `python -m lockgate.example` as a real process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import asdict
from typing import Any

import httpx
import pytest
import typer
from starlette.testclient import TestClient
from typer.testing import CliRunner

from lockgate.cli.example import register
from lockgate.example import model as model_module
from lockgate.example.model import VersionReport


@pytest.fixture
def reports() -> list[VersionReport]:
    """Distinct figures per release, so the output shows which number went where."""
    return [
        VersionReport("v1", "baseline", 0.9123, 0.975, 0.08, 608),
        VersionReport("v2", "better", 0.9456, 1.0, 0.45, 608),
        VersionReport("v3", "bad", 0.7789, 0.925, 0.47, 608),
    ]


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, reports: list[VersionReport]) -> typer.Typer:
    """A throwaway Typer app with the example group registered; training is stubbed out."""
    monkeypatch.setattr(model_module, "report", lambda: reports)
    cli = typer.Typer()
    register(cli)
    return cli


def test_accuracy_json(app: typer.Typer, reports: list[VersionReport]) -> None:
    """`example accuracy --json` prints one object per release with its accuracies."""
    result = CliRunner().invoke(app, ["example", "accuracy", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == [asdict(r) for r in reports]


def test_accuracy_table(app: typer.Typer, reports: list[VersionReport]) -> None:
    """`example accuracy` prints one table row per release with its accuracies."""
    result = CliRunner().invoke(app, ["example", "accuracy"], env={"COLUMNS": "160"})
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line for line in result.output.splitlines() if "│ v" in line}
    assert set(rows) == {"v1", "v2", "v3"}
    assert "91.2%" in rows["v1"] and "97.5%" in rows["v1"]
    assert "94.6%" in rows["v2"] and "100.0%" in rows["v2"]
    assert "77.9%" in rows["v3"] and "92.5%" in rows["v3"]
    assert "608 messages" in result.output


def test_serve_builds_the_app_and_runs_uvicorn(
    app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`example serve` passes the requested release, host and port to uvicorn."""
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda target, **kw: calls.append({"app": target, **kw}))
    result = CliRunner().invoke(app, ["example", "serve", "--version", "v2", "--port", "9123"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 1
    with TestClient(calls[0]["app"]) as client:
        assert client.get("/healthz").json()["version"] == "v2"
    assert (calls[0]["host"], calls[0]["port"], calls[0]["log_level"]) == (
        "127.0.0.1",
        9123,
        "warning",
    )


def test_serve_rejects_an_unknown_version(app: typer.Typer) -> None:
    """An unknown release is exit code 2 with the valid choices, and no traceback."""
    result = CliRunner().invoke(app, ["example", "serve", "--version", "v9"])
    assert result.exit_code == 2
    assert "v1, v2, v3" in result.output
    assert "Traceback" not in result.output


def test_module_entry_point_serves_over_http() -> None:
    """`python -m lockgate.example --version v1 --port N` serves until terminated."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "lockgate.example", "--version", "v1", "--port", str(port)]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=dict(os.environ)
    )
    try:
        deadline = time.monotonic() + 30
        health: dict[str, Any] = {}
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).json()
                break
            except httpx.TransportError:
                time.sleep(0.1)
        assert health == {"status": "ok", "version": "v1", "model": "support-assistant"}
        reply = httpx.post(f"http://127.0.0.1:{port}/invoke", json={"text": "cancel my order"})
        assert reply.json()["intent"] == "cancel_order"
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=15)
    assert b"Traceback" not in stderr
