"""Prometheus rules and the Grafana dashboard: checked and unit-tested with the real promtool."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client.utils import floatToGoString

from lockgate.manifest.model import Manifest
from lockgate.monitor.alerts.source import PLACEHOLDERS, REQUEST_METRICS
from lockgate.monitor.exports import grafana_dashboard, prometheus_rules, promql
from lockgate.monitor.metrics import LATENCY_BUCKETS

SERVICE = "support-assistant"
BASE = {
    "service": {"name": SERVICE},
    "versions": {
        "v1": {"upstream": "http://127.0.0.1:9", "stable": True},
        "v2": {"upstream": "http://127.0.0.1:9"},
    },
}


@pytest.fixture
def promtool() -> str:
    """The promtool binary; its absence is a failure that says how to install it."""
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(
            "promtool is not installed; the export tests run it. Install it with "
            "`apt-get install -y prometheus` (Debian), or put a release's promtool on PATH"
        )
    return found


def manifest(**sections: Any) -> Manifest:
    return Manifest.model_validate({**BASE, **sections})


def run(promtool: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False
    )


def metric_rules() -> list[dict[str, Any]]:
    """One rule per metric name, alternating operators and version scopes."""
    rules = []
    for i, metric in enumerate((*REQUEST_METRICS, *PLACEHOLDERS)):
        op, version = ((">", None), ("<=", "v2"))[i % 2]
        rules.append(
            {"name": f"r-{metric.replace('_', '-')}", "metric": metric, "threshold": 0.5,
             "op": op, "for": "1m", "severity": "ticket", "version": version, "runbook": "rb"}
        )  # fmt: skip
    return [*rules, {"name": "slow-v2", "metric": "latency_p95", "threshold": 0.8, "version": "v2"}]


FULL = manifest(
    slos=[
        {"name": "availability", "sli": "availability", "objective": 99.5, "window": "28d"},
        {"name": "latency", "sli": "latency", "objective": 99, "threshold": "500ms"},
        {"name": "answers", "sli": "quality", "objective": 90, "min_score": 1},
    ],
    alerts={"interval": "15s", "rules": metric_rules()},
)


def test_full_export_passes_promtool_check(promtool: str, tmp_path: Path) -> None:
    """Rules for every SLI and every metric name pass `promtool check rules`."""
    exported = prometheus_rules(FULL)
    path = tmp_path / "rules.yml"
    path.write_text(exported.to_yaml())
    result = run(promtool, "check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
    alerts = [r for g in exported.document["groups"] for r in g["rules"] if "alert" in r]
    assert len(alerts) == 2 * 2 + len(REQUEST_METRICS) + len(PLACEHOLDERS) + 1
    assert all(g["interval"] == "15s" for g in exported.document["groups"])
    assert "&id" not in exported.to_yaml()


def test_every_evaluator_metric_has_a_promql_equivalent() -> None:
    """Each metric a rule may name in-process also exists for Prometheus, scoped by version."""
    for metric in (*REQUEST_METRICS, *PLACEHOLDERS):
        expr = promql.metric_expr(metric, SERVICE, "v2", "5m")
        assert expr is not None, metric
        if metric != "drift_score":  # the drift gauge is per service and column
            assert 'version="v2"' in expr
        assert "[5m]" in expr
    assert promql.metric_expr("custom_score", SERVICE, None, "5m") is None


def test_quality_and_odd_latency_thresholds_are_warned_about() -> None:
    """A quality SLO is left out and a latency threshold off the buckets uses the one below."""
    exported = prometheus_rules(
        manifest(
            slos=[
                {"name": "q", "sli": "quality", "objective": 90, "min_score": 1},
                {"name": "lat", "sli": "latency", "objective": 99, "threshold": "800ms"},
            ]
        )
    )
    assert len(exported.warnings) == 2
    assert "quality SLI" in exported.warnings[0]
    assert "within 0.5s" in exported.warnings[1]
    records = exported.document["groups"][0]["rules"]
    assert {r["labels"]["slo"] for r in records} == {"lat"}
    assert all(
        'le="0.5"' in r["expr"]
        for r in records
        if r["record"] != "lockgate:slo_budget_remaining:ratio"
    )


def test_le_labels_match_the_client_library() -> None:
    """The `le` values in rules are the strings prometheus_client writes for each bucket."""
    assert [promql.le(b) for b in LATENCY_BUCKETS] == [floatToGoString(b) for b in LATENCY_BUCKETS]


def _series(labels: dict[str, str], values: str) -> dict[str, str]:
    inner = ",".join(f'{k}="{v}"' for k, v in labels.items())
    return {"series": f"lockgate_requests_total{{{inner}}}", "values": values}


def _unit_test(
    promtool: str, tmp_path: Path, exported: dict[str, Any], test: dict[str, Any]
) -> None:
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(exported, sort_keys=False))
    (tmp_path / "test.yml").write_text(
        yaml.safe_dump({"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": [test]})
    )
    result = run(promtool, "test", "rules", "test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def _alert(document: dict[str, Any], name: str) -> dict[str, Any]:
    return next(r for g in document["groups"] for r in g["rules"] if r.get("alert") == name)


@pytest.mark.parametrize(("errors_per_minute", "pages"), [(20, True), (1, False)])
def test_burn_rate_page_fires_in_prometheus_as_in_process(
    promtool: str, tmp_path: Path, errors_per_minute: int, pages: bool
) -> None:
    """20% errors page a 99% / 30d SLO within the hour (20x > 14.4x); 1% errors do not."""
    exported = prometheus_rules(
        manifest(slos=[{"name": "availability", "sli": "availability", "objective": 99,
                        "window": "30d"}])
    ).document  # fmt: skip
    alert = _alert(exported, "LockgateSloAvailabilityPage")
    labels = {"service": SERVICE, "version": "v1", "fallback": "none"}
    expected = [{"exp_labels": alert["labels"], "exp_annotations": alert["annotations"]}]
    test = {
        "interval": "1m",
        "input_series": [
            _series({**labels, "status_class": "2xx"}, f"0+{100 - errors_per_minute}x90"),
            _series({**labels, "status_class": "5xx"}, f"0+{errors_per_minute}x90"),
        ],
        "alert_rule_test": [
            {
                "eval_time": "70m",
                "alertname": alert["alert"],
                "exp_alerts": expected if pages else [],
            }
        ],
    }
    _unit_test(promtool, tmp_path, exported, test)


def test_threshold_rule_waits_for_its_for_duration(promtool: str, tmp_path: Path) -> None:
    """Errors from minute 10: pending (no alert) at 11m, firing at 14m after `for: 2m`."""
    exported = prometheus_rules(
        manifest(alerts={"rules": [{"name": "high-error-rate", "metric": "error_rate",
                                    "threshold": 0.1, "window": "5m", "for": "2m",
                                    "severity": "page", "runbook": "upstream-down"}]})
    ).document  # fmt: skip
    alert = _alert(exported, "LockgateHighErrorRate")
    labels = {"service": SERVICE, "version": "v1", "fallback": "none"}
    annotations = dict(alert["annotations"])
    annotations["summary"] = f"error_rate is 200m for {SERVICE} over 5m"
    test = {
        "interval": "1m",
        "input_series": [
            _series({**labels, "status_class": "2xx"}, "0+80x30"),
            _series({**labels, "status_class": "5xx"}, "0x10 0+20x20"),
        ],
        "alert_rule_test": [
            {"eval_time": "11m", "alertname": alert["alert"], "exp_alerts": []},
            {
                "eval_time": "20m",
                "alertname": alert["alert"],
                "exp_alerts": [{"exp_labels": alert["labels"], "exp_annotations": annotations}],
            },
        ],
    }
    _unit_test(promtool, tmp_path, exported, test)


def test_dashboard_queries_are_valid_promql(promtool: str, tmp_path: Path) -> None:
    """Every panel query parses in promtool once Grafana's variables are filled in."""
    dashboard = grafana_dashboard(FULL)
    exprs = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    filled = [e.replace("$__rate_interval", "5m").replace("$version", ".*") for e in exprs]
    rules = {"groups": [{"name": "dashboard", "rules": [
        {"record": f"dashboard:query{i}", "expr": e} for i, e in enumerate(filled)
    ]}]}  # fmt: skip
    path = tmp_path / "dashboard-rules.yml"
    path.write_text(yaml.safe_dump(rules))
    result = run(promtool, "check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dashboard_covers_the_required_series() -> None:
    """Panels for traffic, errors, p95, fallbacks, hand-offs, drift, quality and rollout weight."""
    dashboard = grafana_dashboard(FULL)
    json.dumps(dashboard)
    text = json.dumps(dashboard["panels"])
    for name in (
        "lockgate_requests_total",
        "lockgate_request_duration_seconds_bucket",
        'fallback=\\"handoff\\"',
        "lockgate_drift_score",
        "lockgate_quality_score",
        "lockgate_rollout_weight",
        "gen_ai_client_token_usage_total",
    ):
        assert name in text, name
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    cells = set()
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        cells_here = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"])
                      for y in range(pos["y"], pos["y"] + pos["h"])}  # fmt: skip
        assert not cells & cells_here, panel["title"]
        assert pos["x"] + pos["w"] <= 24
        cells |= cells_here
    variables = {v["name"] for v in dashboard["templating"]["list"]}
    assert variables == {"datasource", "version"}
    assert all(SERVICE in t["expr"] for p in dashboard["panels"] for t in p["targets"])
