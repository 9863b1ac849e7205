"""The fallback chain: what the gateway does when the chosen version cannot answer.

Triggers (timeout, connection error, upstream 5xx, open circuit, kill switch) start the chain
declared in the manifest. Actions run in order until one answers: a retry within the retry budget,
another version, a static answer, a hand-off to a human. A kill switch skips the model actions:
the feature is off, so only the static answer and the hand-off apply.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from opentelemetry.trace import SpanKind, StatusCode

from lockgate.errors import LockgateError, UpstreamError, UpstreamTimeout, UpstreamUnavailable
from lockgate.gateway.circuit import Breakers, RetryBudget
from lockgate.gateway.exchange import Exchange
from lockgate.gateway.faults import FaultTable
from lockgate.gateway.handoff import HandoffDesk
from lockgate.gateway.services import ServiceRuntime, VersionRuntime
from lockgate.manifest.cutover import (
    FallbackSpec,
    HandoffAction,
    RetryAction,
    StaticAction,
    Trigger,
    VersionAction,
)
from lockgate.monitor.tracing import Tracing

Attempt = Callable[[VersionRuntime], Awaitable[None]]
Answer = Callable[[str, dict[str, object]], Awaitable[None]]
MODEL_TRIGGERS = {Trigger.TIMEOUT, Trigger.CONNECTION_ERROR, Trigger.HTTP_5XX}


class ServiceDisabled(LockgateError):
    """The kill switch is off and no fallback answers."""

    status = 503
    code = "service_disabled"
    type = "server_error"


class CircuitOpen(UpstreamError):
    """The version's circuit breaker is open."""

    status = 503
    code = "circuit_open"


def classify(error: UpstreamError) -> Trigger:
    """The trigger an upstream error fires."""
    if isinstance(error, UpstreamTimeout):
        return Trigger.TIMEOUT
    if isinstance(error, CircuitOpen):
        return Trigger.CIRCUIT_OPEN
    if isinstance(error, UpstreamUnavailable):
        return Trigger.CONNECTION_ERROR
    return Trigger.HTTP_5XX


class FallbackChain:
    """Runs the manifest's chain for one service."""

    def __init__(
        self,
        spec: FallbackSpec,
        breakers: Breakers,
        desk: HandoffDesk,
        faults: FaultTable,
        tracing: Tracing,
    ) -> None:
        self.spec = spec
        self.breakers = breakers
        self.desk = desk
        self.faults = faults
        self.tracing = tracing
        self.budget = RetryBudget(
            next((a.budget for a in spec.chain if isinstance(a, RetryAction)), 0.1)
        )

    def reconfigure(self, spec: FallbackSpec) -> None:
        """Adopt a new chain; breakers keep their state unless their settings changed."""
        if spec.circuit_breaker != self.spec.circuit_breaker:
            self.breakers = Breakers(spec.circuit_breaker)
        self.spec = spec

    async def call(
        self, ex: Exchange, service: ServiceRuntime, version: VersionRuntime, attempt: Attempt
    ) -> None:
        """Call ``version`` through its breaker, counting the outcome."""
        ex.version = version.name
        breaker = self.breakers.get(service.name, version.name)
        if not breaker.allow():
            raise CircuitOpen(
                f"the circuit of version {version.name!r} is open after repeated failures"
            )
        span = self.tracing.child_span(ex.span, f"{ex.route} {version.name}")
        if span.is_recording():
            span.set_attribute("lockgate.version", version.name)
            span.set_attribute("gen_ai.request.model", service.name)
            if ex.fallback:
                span.set_attribute("lockgate.fallback", ex.fallback)
        ex.trace_headers = {}
        self.tracing.inject(span, ex.trace_headers)
        try:
            if self.faults:
                await self.faults.apply(service.name, version.name)
            await attempt(version)
        except UpstreamError as error:
            breaker.failure()
            span.set_status(StatusCode.ERROR, error.code)
            raise
        finally:
            span.end()
        breaker.success()

    async def recover(
        self,
        ex: Exchange,
        *,
        service: ServiceRuntime,
        failed: VersionRuntime,
        trigger: Trigger,
        error: LockgateError,
        attempt: Attempt,
        answer: Answer,
    ) -> None:
        """Try the chain's actions in order; re-raise ``error`` when none answers."""
        ex.trigger = trigger
        if trigger not in self.spec.triggers or not self.spec.chain:
            raise error
        for action in self.spec.chain:
            if isinstance(action, RetryAction) and trigger in MODEL_TRIGGERS:
                for _ in range(action.attempts):
                    if not self.budget.withdraw():
                        break
                    await asyncio.sleep(action.backoff)
                    ex.fallback = "retry"
                    try:
                        await self.call(ex, service, failed, attempt)
                    except UpstreamError as exc:
                        error = exc
                        continue
                    return
            elif isinstance(action, VersionAction) and trigger is not Trigger.KILL_SWITCH:
                other = service.versions.get(action.version)
                if other is None or other.name == failed.name:
                    continue
                ex.fallback = f"version:{other.name}"
                try:
                    await self.call(ex, service, other, attempt)
                except UpstreamError as exc:
                    error = exc
                    continue
                return
            elif isinstance(action, StaticAction):
                ex.fallback = "static"
                self.tracing.child_span(ex.span, "fallback static", kind=SpanKind.INTERNAL).end()
                await answer(action.message, {"fallback": "static", "trigger": trigger.value})
                return
            elif isinstance(action, HandoffAction):
                await self._handoff(
                    ex,
                    service=service,
                    failed=failed,
                    trigger=trigger,
                    action=action,
                    answer=answer,
                )
                return
        raise error

    async def _handoff(
        self,
        ex: Exchange,
        *,
        service: ServiceRuntime,
        failed: VersionRuntime,
        trigger: Trigger,
        action: HandoffAction,
        answer: Answer,
    ) -> None:
        conversation = ex.conversation or ex.request_id
        ticket = await self.desk.open(
            service=service.name,
            version=failed.name,
            trigger=trigger.value,
            conversation=conversation,
            request_id=ex.request_id,
            key_id=ex.principal.key_id if ex.principal else None,
            webhook=action.webhook,
        )
        ex.fallback = "handoff"
        step = self.tracing.child_span(ex.span, "fallback handoff", kind=SpanKind.INTERNAL)
        step.set_attribute("lockgate.handoff.ticket", ticket.id)
        step.end()
        message = action.message.replace("{ticket}", ticket.id)
        await answer(
            message, {"fallback": "handoff", "trigger": trigger.value, "ticket": ticket.id}
        )
