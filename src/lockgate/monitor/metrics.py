"""The gateway's Prometheus metrics. Every metric lives in the registry passed in: no globals.

Label sets are bounded: service and version come from the manifest, status is a class (2xx..5xx),
fallback is an action name from the manifest or ``none``.
"""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
    0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
)  # fmt: skip
_STATUS_CLASS = {1: "1xx", 2: "2xx", 3: "3xx", 4: "4xx", 5: "5xx"}


class GatewayMetrics:
    """Request, latency, token and request-log metrics."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "lockgate_requests",
            "Requests served, by service, version, status class and fallback action.",
            ["service", "version", "status_class", "fallback"],
            registry=registry,
        )
        self.duration = Histogram(
            "lockgate_request_duration_seconds",
            "Time from request start to the last byte sent, per service and version.",
            ["service", "version"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.upstream_duration = Histogram(
            "lockgate_upstream_duration_seconds",
            "Time spent waiting on the upstream model server.",
            ["service", "version"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.tokens = Counter(
            "gen_ai_client_token_usage",
            "Tokens reported by the upstream (OpenTelemetry GenAI semantic conventions).",
            ["gen_ai_request_model", "version", "gen_ai_token_type"],
            registry=registry,
        )
        self.log_queue = Gauge(
            "lockgate_request_log_queue_depth",
            "Request log records waiting to be written.",
            registry=registry,
        )
        self.log_dropped = Counter(
            "lockgate_request_log_dropped",
            "Request log records dropped because the queue was full (overflow: drop).",
            registry=registry,
        )
        self.log_written = Counter(
            "lockgate_request_log_written", "Request log records written.", registry=registry
        )
        self.log_failures = Counter(
            "lockgate_request_log_write_failures",
            "Failed attempts to write a request log batch (the batch is retried).",
            registry=registry,
        )
        self.time_to_first_token = Histogram(
            "lockgate_time_to_first_token_seconds",
            "Streams: time from the upstream call to the first chunk relayed to the client.",
            ["service", "version"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.circuit = Gauge(
            "lockgate_circuit_state",
            "Circuit breaker per version: 0 closed, 1 half-open, 2 open.",
            ["service", "version"],
            registry=registry,
        )
        self.flag = Gauge(
            "lockgate_flag_value",
            "Flag values on this replica: booleans as 0/1, percentages as the percentage.",
            ["flag"],
            registry=registry,
        )
        self.flags_stale = Gauge(
            "lockgate_flags_stale", "1 while this replica serves last known flag values.",
            registry=registry,
        )  # fmt: skip
        self.rollout_weight = Gauge(
            "lockgate_rollout_weight",
            "Share of traffic (percent) each version of a service receives.",
            ["service", "version"],
            registry=registry,
        )
        self.rollout_phase = Gauge(
            "lockgate_rollout_phase",
            "1 for the phase the service's newest rollout is in.",
            ["service", "phase"],
            registry=registry,
        )
        self._children: dict[tuple[str, str, int, str], tuple[Counter, Histogram]] = {}

    def first_token(self, service: str, version: str, started: float) -> None:
        """Record a stream's time to first chunk (``started`` from ``time.perf_counter``)."""
        self.time_to_first_token.labels(service, version).observe(time.perf_counter() - started)

    def observe(
        self, service: str, version: str, status: int, fallback: str, seconds: float
    ) -> None:
        """Count one finished request (cheap: children are cached per label set)."""
        key = (service, version, status // 100, fallback)
        children = self._children.get(key)
        if children is None:
            status_class = _STATUS_CLASS.get(status // 100, "5xx")
            children = (
                self.requests.labels(service, version, status_class, fallback),
                self.duration.labels(service, version),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
