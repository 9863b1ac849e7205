"""``gateway``: process settings for the data plane (store, limits, request log)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from lockgate.manifest.base import Section
from lockgate.manifest.types import ByteSize, Duration


class Overflow(StrEnum):
    """What the request log does when its queue is full."""

    BLOCK = "block"
    """The request waits for room: nothing is lost, latency rises while the store is slow."""
    DROP = "drop"
    """The record is dropped and counted in `lockgate_request_log_dropped_total`."""


class RequestLogSettings(Section):
    """The batched, off-path request log writer."""

    queue_size: int = Field(default=20_000, ge=1)
    batch_size: int = Field(default=500, ge=1)
    flush_interval: Duration = 0.25
    overflow: Overflow = Overflow.BLOCK


class GatewaySettings(Section):
    """Settings of the gateway process."""

    data_dir: str = Field(default=".lockgate", description="SQLite file and local state.")
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL; a reference such as ${env:LOCKGATE_DATABASE_URL} for "
        "PostgreSQL. Default: SQLite in data_dir.",
    )
    max_body: ByteSize = Field(default=1024 * 1024, description="Largest accepted request body.")
    key_refresh: Duration = Field(
        default=2.0, description="How often replicas reload keys (revocations apply within it)."
    )
    request_log: RequestLogSettings = Field(default_factory=RequestLogSettings)
    tenant_header: str = "x-lockgate-tenant"
    user_header: str = "x-lockgate-user"
