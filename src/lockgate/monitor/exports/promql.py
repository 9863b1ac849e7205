"""PromQL for the gateway's metrics: the same metric names the alert rules and dashboards use.

The rate metrics mirror the in-process evaluator's: an error is a 5xx, a fallback any action other
than ``none``, a hand-off the ``handoff`` action; p95 is ``histogram_quantile`` over the request
duration histogram. The drift gauge is per service and column, so a drift rule's ``version`` does
not narrow it; the quality and rollout-weight gauges are expected per service and version.
Labels come from the manifest (lower-case names), so no quoting is needed.
"""

from __future__ import annotations

from collections.abc import Mapping

from lockgate.monitor.metrics import LATENCY_BUCKETS

REQUESTS = "lockgate_requests_total"
DURATION = "lockgate_request_duration_seconds"
TOKENS = "gen_ai_client_token_usage_total"
DRIFT = "lockgate_drift_score"
QUALITY = "lockgate_quality_score"
ROLLOUT_WEIGHT = "lockgate_rollout_weight"


def selector(labels: Mapping[str, str], *, extra: str = "") -> str:
    """``{service="a",version="v1"}`` plus raw matchers in ``extra`` (e.g. ``version=~"$v"``)."""
    parts = [f'{name}="{value}"' for name, value in labels.items()]
    if extra:
        parts.append(extra)
    return "{" + ",".join(parts) + "}"


def scope_labels(service: str, version: str | None) -> dict[str, str]:
    """Labels of the request metrics for a service (and version)."""
    return {"service": service} | ({"version": version} if version else {})


def requests_rate(labels: Mapping[str, str], window: str, *, extra: str = "", by: str = "") -> str:
    """Requests per second matching ``labels``, optionally summed ``by`` some labels."""
    grouping = f" by ({by})" if by else ""
    return f"sum{grouping}(rate({REQUESTS}{selector(labels, extra=extra)}[{window}]))"


def ratio(numerator: str, denominator: str) -> str:
    """``(a) / (b)``; PromQL yields NaN without traffic, and NaN never breaches a threshold."""
    return f"({numerator}) / ({denominator})"


def latency_bucket(threshold: float) -> tuple[float, bool]:
    """The histogram bucket used for ``threshold`` seconds, and whether it is exact.

    Not exact: the largest bucket below it (a stricter "good"), or the smallest bucket."""
    if threshold in LATENCY_BUCKETS:
        return threshold, True
    below = [b for b in LATENCY_BUCKETS if b < threshold]
    return (below[-1] if below else LATENCY_BUCKETS[0]), False


def le(bucket: float) -> str:
    """The ``le`` label value prometheus_client writes for ``bucket`` (``0.5``, ``1.0``)."""
    return repr(float(bucket))


def metric_expr(metric: str, service: str, version: str | None, window: str) -> str | None:
    """PromQL for an alert rule's metric over ``window``, or None when there is no equivalent."""
    labels = scope_labels(service, version)
    sel = selector(labels)
    total = requests_rate(labels, window)
    token_labels = {"gen_ai_request_model": service} | ({"version": version} if version else {})
    tokens = f"sum(rate({TOKENS}{selector(token_labels)}[{window}]))"
    buckets = f"rate({DURATION}_bucket{sel}[{window}])"
    exprs = {
        "request_count": f"sum(increase({REQUESTS}{sel}[{window}]))",
        "error_rate": ratio(requests_rate(labels, window, extra='status_class="5xx"'), total),
        "fallback_rate": ratio(requests_rate(labels, window, extra='fallback!="none"'), total),
        "handoff_rate": ratio(requests_rate(labels, window, extra='fallback="handoff"'), total),
        "latency_p95": f"histogram_quantile(0.95, sum by (le) ({buckets}))",
        "tokens_per_request": ratio(
            tokens, requests_rate(labels, window, extra='status_class="2xx"')
        ),
        "drift_score": f"max(avg_over_time({DRIFT}{selector({'service': service})}[{window}]))",
        "quality_score": f"avg(avg_over_time({QUALITY}{sel}[{window}]))",
    }
    return exprs.get(metric)
