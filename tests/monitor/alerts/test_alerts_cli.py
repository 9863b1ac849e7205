"""`lockgate alerts ...` and `lockgate export ...` against a manifest, its store and a receiver."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import typer
import yaml
from alerts_support import NOW, Receiver
from click.testing import Result
from typer.testing import CliRunner

from lockgate.cli import alerts as alerts_cli
from lockgate.cli import export as export_cli
from lockgate.cli.context import CliState
from lockgate.errors import ConfigError
from lockgate.manifest import load
from lockgate.store import alerts as stored
from lockgate.store import migrate
from lockgate.store.locate import open_store
from tests.support.gateway import manifest_dict, write_manifest

SERVICE = "support-assistant"


def root_app() -> typer.Typer:
    """The `lockgate` root with the alerts and export groups, as `cli/main.py` registers them."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    alerts_cli.register(root)
    export_cli.register(root)
    return root


@pytest.fixture
def config(tmp_path: Path, receiver: tuple[Receiver, str]) -> Path:
    _, url = receiver
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["slos"] = [{"name": "availability", "sli": "availability", "objective": 99.5}]
    data["alerts"] = {
        "notifiers": [{"name": "hook", "kind": "webhook", "url": f"{url}/hook"}],
        "rules": [
            {"name": "high-error-rate", "metric": "error_rate", "threshold": 0.05,
             "severity": "page", "notify": ["hook"]},
            {"name": "quiet", "metric": "handoff_rate", "threshold": 0.5},
        ],
    }  # fmt: skip
    return write_manifest(tmp_path, data)


def invoke(config: Path, *args: str) -> Result:
    return CliRunner().invoke(
        root_app(), list(args), obj=CliState(config=str(config)), env={"COLUMNS": "250"}
    )


def test_list_shows_every_alert_and_active_silences(config: Path) -> None:
    """Rules and both SLO alerts are listed with their state; a silence shows with its reason."""
    first = invoke(config, "alerts", "list")
    assert first.exit_code == 0, first.output
    for key in ("high-error-rate", "quiet", "slo:availability:page", "slo:availability:ticket"):
        assert key in first.output
    assert "inactive" in first.output
    assert "Active silences" not in first.output
    silenced = invoke(config, "alerts", "silence", "availability", "--for", "30m", "--reason", "x1")
    assert silenced.exit_code == 0, silenced.output
    assert "slo:availability:page, slo:availability:ticket" in silenced.output
    listed = invoke(config, "alerts", "list")
    assert "Active silences" in listed.output
    assert "slo:availability" in listed.output
    assert "x1" in listed.output


def test_silence_is_stored_with_its_expiry(config: Path) -> None:
    """`silence RULE --for 1h --reason ...` stores a silence that expires in an hour."""
    before = dt.datetime.now(dt.UTC)
    result = invoke(config, "alerts", "silence", "high-error-rate", "--for", "1h", "--reason", "m")
    assert result.exit_code == 0, result.output
    store = open_store(load(config))
    try:
        [silence] = stored.silences(store, SERVICE)
    finally:
        store.close()
    assert silence.matcher == "high-error-rate"
    assert silence.reason == "m"
    expected = before + dt.timedelta(hours=1)
    assert abs((silence.expires_at - expected).total_seconds()) < 60


def test_silence_of_an_unknown_alert_is_refused(config: Path) -> None:
    """A silence must name an alert the manifest defines."""
    result = invoke(config, "alerts", "silence", "nope", "--for", "1h", "--reason", "m")
    assert isinstance(result.exception, ConfigError)
    assert "no alert is named 'nope'" in result.exception.message


def test_test_sends_end_to_end_and_records_evidence(
    config: Path, receiver: tuple[Receiver, str]
) -> None:
    """`alerts test RULE` delivers a test notice to the rule's webhook and stores the evidence."""
    recording, _ = receiver
    result = invoke(config, "alerts", "test", "high-error-rate")
    assert result.exit_code == 0, result.output
    [got] = recording.received
    assert got.json["type"] == "alert.test"
    assert got.json["alert"] == "high-error-rate"
    recording.statuses = [404]
    failed = invoke(config, "alerts", "test", "high-error-rate")
    assert failed.exit_code == 1
    assert "HTTP 404" in failed.output
    store = open_store(load(config))
    try:
        evidence = stored.recorded_tests(store, SERVICE)
    finally:
        store.close()
    assert [(t.rule, t.notifier, t.delivered) for t in evidence] == [
        ("high-error-rate", "hook", False),
        ("high-error-rate", "hook", True),
    ]


def test_test_of_a_rule_without_notifiers_is_refused(config: Path) -> None:
    """A rule that notifies nobody cannot be tested; the message says to add `notify`."""
    result = invoke(config, "alerts", "test", "quiet")
    assert isinstance(result.exception, ConfigError)
    assert "notify" in result.exception.message


def test_history_prints_stored_events(config: Path) -> None:
    """`alerts history` prints the stored transitions, filterable by alert."""
    store = open_store(load(config))
    try:
        migrate.upgrade(store)
        stored.save_pass(
            store,
            SERVICE,
            [],
            [
                stored.AlertEvent(NOW, "high-error-rate", "firing", "page", 1, "went bad", 0.2),
                stored.AlertEvent(NOW, "quiet", "pending", "ticket", 0, "maybe", 0.6),
            ],
        )
    finally:
        store.close()
    everything = invoke(config, "alerts", "history")
    assert everything.exit_code == 0, everything.output
    assert "went bad" in everything.output
    assert "maybe" in everything.output
    one = invoke(config, "alerts", "history", "--alert", "quiet")
    assert "maybe" in one.output
    assert "went bad" not in one.output


def test_exports_print_or_write(config: Path, tmp_path: Path) -> None:
    """`export prometheus-rules` prints rules YAML; `export grafana -o FILE` writes JSON."""
    rules = invoke(config, "export", "prometheus-rules")
    assert rules.exit_code == 0, rules.output
    document = yaml.safe_load(rules.stdout)
    alerts = [r["alert"] for g in document["groups"] for r in g["rules"] if "alert" in r]
    assert alerts == [
        "LockgateSloAvailabilityPage",
        "LockgateSloAvailabilityTicket",
        "LockgateHighErrorRate",
        "LockgateQuiet",
    ]
    target = tmp_path / "dashboard.json"
    written = invoke(config, "export", "grafana", "-o", str(target))
    assert written.exit_code == 0, written.output
    assert json.loads(target.read_text())["title"] == f"Lockgate: {SERVICE}"
