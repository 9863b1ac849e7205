"""A Grafana dashboard for one service: per-version traffic, errors, latency, fallbacks,
hand-offs, drift, quality, rollout weight, tokens and the SLO budgets.

Panels query Prometheus with the gateway's metric names. A datasource variable lets the dashboard
be imported into any Grafana; a version variable filters every per-version panel.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lockgate.manifest.model import Manifest
from lockgate.monitor.exports import promql
from lockgate.monitor.exports.prometheus import BUDGET_REMAINING

SCHEMA_VERSION = 39
RATE = "$__rate_interval"
VERSION = 'version=~"$version"'
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
WIDTH, HEIGHT, COLUMNS = 12, 8, 2


@dataclass(frozen=True, slots=True)
class Panel:
    """A time series panel: title, unit and its queries as ``(expr, legend)`` pairs."""

    title: str
    unit: str
    queries: tuple[tuple[str, str], ...]
    description: str = ""


def panels(service: str) -> tuple[Panel, ...]:
    """The dashboard's panels for ``service``."""
    svc = {"service": service}
    by_version = "version"
    total = promql.requests_rate(svc, RATE, extra=VERSION, by=by_version)
    errors = promql.requests_rate(svc, RATE, extra=f'{VERSION},status_class="5xx"', by=by_version)
    buckets = f"rate({promql.DURATION}_bucket{promql.selector(svc, extra=VERSION)}[{RATE}])"
    tokens = promql.selector({"gen_ai_request_model": service}, extra=VERSION)
    per_version = promql.selector(svc, extra=VERSION)
    return (
        Panel("Traffic by version", "reqps", ((total, "{{version}}"),), "Requests per second."),
        Panel(
            "Error rate by version (5xx)",
            "percentunit",
            ((promql.ratio(errors, total), "{{version}}"),),
            "Share of requests answered with a 5xx; 4xx and 429 are not errors.",
        ),
        Panel(
            "p95 latency by version",
            "s",
            ((f"histogram_quantile(0.95, sum by (version, le) ({buckets}))", "{{version}}"),),
            "Request start to last byte sent.",
        ),
        Panel(
            "Fallbacks by action",
            "reqps",
            (
                (
                    promql.requests_rate(
                        svc, RATE, extra=f'{VERSION},fallback!="none"', by="version, fallback"
                    ),
                    "{{version}} {{fallback}}",
                ),
            ),
            "Requests answered through the fallback chain.",
        ),
        Panel(
            "Hand-offs by version",
            "reqps",
            (
                (
                    promql.requests_rate(
                        svc, RATE, extra=f'{VERSION},fallback="handoff"', by=by_version
                    ),
                    "{{version}}",
                ),
            ),
            "Conversations handed to a human.",
        ),
        Panel(
            "Drift score by column",
            "short",
            ((f"max by (column) ({promql.DRIFT}{promql.selector(svc)})", "{{column}}"),),
            "Effect size of the last closed drift window per monitored column.",
        ),
        Panel(
            "Quality score by version",
            "short",
            ((f"avg by (version) ({promql.QUALITY}{per_version})", "{{version}}"),),
            "Answer quality from feedback and graders.",
        ),
        Panel(
            "Rollout weight",
            "percent",
            ((f"max by (version) ({promql.ROLLOUT_WEIGHT}{promql.selector(svc)})", "{{version}}"),),
            "Share of traffic each version receives.",
        ),
        Panel(
            "Tokens per second",
            "short",
            (
                (
                    f"sum by (version, gen_ai_token_type) (rate({promql.TOKENS}{tokens}[{RATE}]))",
                    "{{version}} {{gen_ai_token_type}}",
                ),
            ),
            "Tokens reported by the upstream.",
        ),
        Panel(
            "SLO error budget left",
            "percentunit",
            ((f"{BUDGET_REMAINING}{promql.selector(svc)}", "{{slo}}"),),
            "Needs the rules from `lockgate export prometheus-rules`.",
        ),
    )


def _panel(index: int, panel: Panel) -> dict[str, Any]:
    return {
        "id": index + 1,
        "type": "timeseries",
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {
            "x": (index % COLUMNS) * WIDTH,
            "y": (index // COLUMNS) * HEIGHT,
            "w": WIDTH,
            "h": HEIGHT,
        },
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "options": {"legend": {"displayMode": "list", "placement": "bottom"}},
        "targets": [
            {
                "refId": chr(ord("A") + i),
                "datasource": DATASOURCE,
                "expr": expr,
                "legendFormat": legend,
            }
            for i, (expr, legend) in enumerate(panel.queries)
        ],
    }


def grafana_dashboard(manifest: Manifest) -> dict[str, Any]:
    """Dashboard JSON (Grafana's import format) for ``manifest``'s service."""
    service = manifest.service.name
    version_query = f'label_values({promql.REQUESTS}{{service="{service}"}}, version)'
    return {
        "uid": f"lockgate-{service}"[:40],
        "title": f"Lockgate: {service}",
        "tags": ["lockgate", service],
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "editable": True,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "templating": {
            "list": [
                {
                    "name": "datasource",
                    "label": "Prometheus",
                    "type": "datasource",
                    "query": "prometheus",
                },
                {
                    "name": "version",
                    "label": "Version",
                    "type": "query",
                    "datasource": DATASOURCE,
                    "query": version_query,
                    "definition": version_query,
                    "refresh": 2,
                    "multi": True,
                    "includeAll": True,
                    "allValue": ".*",
                    "current": {"text": "All", "value": "$__all"},
                },
            ]
        },
        "panels": [_panel(i, p) for i, p in enumerate(panels(service))],
    }
