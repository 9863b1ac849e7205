"""Kill switches as the pipeline sees them: one question, asked in memory per request."""

from __future__ import annotations

from typing import Protocol

from lockgate.flags import BytesHeaders, EvaluationContext, kill_switch
from lockgate.flags.cache import FlagCache
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


class FlagKillSwitch:
    """``<service>.enabled`` from the flag cache: in memory, never raises, default on."""

    def __init__(self, flags: FlagCache) -> None:
        self._flags = flags

    def enabled(self, service: str, context: RouteContext) -> bool:
        """The kill switch's value for this request."""
        evaluation = EvaluationContext(
            key_id=context.key_id,
            tenant=context.tenant,
            user=context.user,
            service=service,
            headers=BytesHeaders(context.headers or {}),
        )
        return (
            self._flags.evaluate(kill_switch(service), evaluation, default=True).value is not False
        )
