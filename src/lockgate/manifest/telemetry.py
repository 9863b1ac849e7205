"""``telemetry``: traces and per-request log lines."""

from __future__ import annotations

from pydantic import Field

from lockgate.manifest.base import Section


class TracingSettings(Section):
    """OpenTelemetry tracing of requests and upstream calls."""

    enabled: bool = True
    sample_ratio: float = Field(
        default=1.0, ge=0, le=1, description="Share of new traces recorded (parents decide theirs)."
    )
    otlp_endpoint: str | None = Field(
        default=None, description="OTLP/HTTP traces endpoint, e.g. http://collector:4318/v1/traces."
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Exporter headers; secrets as references only."
    )


class TelemetrySettings(Section):
    """What the gateway reports about itself besides Prometheus metrics."""

    tracing: TracingSettings = Field(default_factory=TracingSettings)
    request_logs: bool = Field(
        default=True, description="One JSON log line per request, written off the hot path."
    )
