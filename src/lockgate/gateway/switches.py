"""Kill switches as the pipeline sees them: one question, asked in memory per request."""

from __future__ import annotations

from typing import Protocol

from lockgate.gateway.router import RouteContext


class KillSwitch(Protocol):
    """Whether a service's AI feature is on for this request."""

    def enabled(self, service: str, context: RouteContext) -> bool:
        """False sends the request down the fallback chain."""


class AlwaysEnabled:
    """No flag source configured: every service is on."""

    def enabled(self, service: str, context: RouteContext) -> bool:  # noqa: ARG002 - protocol
        """Always true."""
        return True
