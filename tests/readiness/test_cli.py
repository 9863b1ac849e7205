"""The commands: exit codes 0/1/2 through a real `python -m lockgate`, and each command's output."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from lockgate import scaffold
from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.cli import check as check_cli
from lockgate.cli import docs as docs_cli
from lockgate.cli import init as init_cli
from lockgate.cli import main as main_cli
from lockgate.errors import ConfigError
from lockgate.manifest import load
from lockgate.readiness.checks import CHECKS
from lockgate.readiness.model import Gate
from lockgate.store import migrate
from lockgate.store.locate import open_store

MINE = ("check", "init", "docs")


def lockgate_command() -> list[str]:
    """`python -m lockgate`, registering these commands first while main.py does not list them."""
    if all(name in main_cli.COMMAND_MODULES for name in MINE):
        return [sys.executable, "-m", "lockgate"]
    shim = (
        "import sys; from lockgate.cli import main, check, init, docs\n"
        "for m in (check, init, docs):\n"
        "    m.register(main.app)\n"
        "sys.argv[0] = 'lockgate'; main.run()"
    )
    return [sys.executable, "-c", shim]


def start(*args: str, cwd: Path) -> subprocess.Popen[str]:
    """Start one real lockgate process."""
    return subprocess.Popen(
        [*lockgate_command(), *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "160"},
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of a started process."""
    stdout, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stdout + stderr
    return process.returncode, stdout, stderr


def test_exit_codes_through_a_real_process(tmp_path: Path) -> None:
    """0 when the gate is met, 1 when it is not, 2 on bad input; never a traceback."""
    for name in ("met", "unmet"):
        scaffold.write(tmp_path / name, "support-assistant")
    # Meet the staging gate in one copy: evaluation figures, and a key (an audit record).
    path = tmp_path / "met" / "lockgate.yaml"
    path.write_text(
        path.read_text().replace(
            "  # evaluation: {accuracy_v1: 0.0, accuracy_v2: 0.0}",
            "  evaluation: {accuracy_v1: 0.9}",
        )
    )
    store = open_store(load(path))
    migrate.upgrade(store)
    manage.create_key(
        store, actor="t", name="web", scopes=frozenset({Scope.INVOKE}),
        expires_in=dt.timedelta(days=30),
    )  # fmt: skip
    store.close()
    met = start("--config", "met/lockgate.yaml", "check", "--gate", "staging", "-f", "junit",
                "-o", "out.xml", cwd=tmp_path)  # fmt: skip
    unmet = start(
        "--config", "unmet/lockgate.yaml", "check", "--gate", "staging", "--offline", cwd=tmp_path
    )
    missing = start("--config", "nowhere.yaml", "check", cwd=tmp_path)
    code, stdout, stderr = finish(met)
    assert code == 0, stdout + stderr
    cases = list(ET.parse(tmp_path / "out.xml").getroot().iter("testcase"))  # noqa: S314 - our own output
    assert len(cases) == len([c for c in CHECKS if c.gate is Gate.STAGING])
    code, stdout, stderr = finish(unmet)
    assert code == 1, stderr
    assert "DOC-004" in stdout and "NOT MET" in stdout
    code, _, stderr = finish(missing)
    assert code == 2 and "nowhere.yaml" in stderr


def test_bad_options_exit_2(app: typer.Typer, service: Path) -> None:
    """An unknown gate, an unknown checklist version and a second init are bad input (2)."""
    runner = CliRunner()
    assert runner.invoke(app, ["check", "--gate", "launch"]).exit_code == 2
    with pytest.raises(ConfigError, match="no checklist version"):
        runner.invoke(app, ["check", "--diff", "0.0.1"], catch_exceptions=False)
    with pytest.raises(ConfigError, match="--force"):
        runner.invoke(app, ["init", "--example", "support-assistant"], catch_exceptions=False)
    assert service.exists()


@pytest.fixture
def app() -> typer.Typer:
    """The root command with only these commands, built fresh."""
    root = typer.Typer(pretty_exceptions_enable=False)
    root.callback()(main_cli.main)
    for module in (check_cli, init_cli, docs_cli):
        module.register(root)
    return root


@pytest.fixture
def service(app: typer.Typer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An initialised example service; the working directory is its folder."""
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["init", "--example", "support-assistant"])
    assert result.exit_code == 0, result.output
    return tmp_path / "lockgate.yaml"


def test_check_formats_and_diff(app: typer.Typer, service: Path) -> None:
    """--format writes each format; --diff against the current version shows no change."""
    runner = CliRunner()
    result = runner.invoke(app, ["check", "--offline", "-f", "sarif", "-o", "r.sarif"])
    assert result.exit_code == 1
    log = json.loads((service.parent / "r.sarif").read_text())
    assert log["runs"][0]["results"][0]["locations"][0]["physicalLocation"][
        "artifactLocation"
    ]["uri"] == "lockgate.yaml"  # fmt: skip
    result = runner.invoke(app, ["check", "--offline", "-f", "markdown"])
    assert result.exit_code == 1 and "| SEC-002 |" in result.stdout
    from lockgate.readiness.versions import CHECKLIST_VERSION

    result = runner.invoke(app, ["check", "--diff", CHECKLIST_VERSION, "-f", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["added"] == []


def test_flowchart_writes_svg_and_mermaid(app: typer.Typer, service: Path) -> None:
    """`flowchart -o` writes an SVG document; `--format mermaid` prints a flowchart."""
    runner = CliRunner()
    result = runner.invoke(app, ["flowchart", "--offline", "-o", "chart.svg"])
    assert result.exit_code == 0, result.output
    chart = ET.parse(service.parent / "chart.svg")  # noqa: S314 - our own output
    assert chart.getroot().tag == "{http://www.w3.org/2000/svg}svg"
    result = runner.invoke(app, ["flowchart", "--offline", "--format", "mermaid"])
    assert result.exit_code == 0 and result.stdout.startswith("flowchart LR")


def test_docs_build_uses_the_store(app: typer.Typer, service: Path) -> None:
    """`docs build` renders the site, reading live evidence from the manifest's store."""
    result = CliRunner().invoke(app, ["docs", "build", "-o", "site"])
    assert result.exit_code == 0, result.output
    assert (service.parent / "site" / "readiness.html").exists()
    assert (service.parent / ".lockgate" / "lockgate.db").exists()
    data = yaml.safe_load(service.read_text())
    assert data["service"]["name"] == "support-assistant"
