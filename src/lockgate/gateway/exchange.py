"""The state of one request as it moves through the pipeline, and what it records."""

from __future__ import annotations

import itertools
import os
import time

from opentelemetry.trace import INVALID_SPAN, Span

from lockgate.auth.keyring import Principal
from lockgate.gateway.asgi import Headers
from lockgate.gateway.router import RouteContext
from lockgate.gateway.upstream import Target

FORWARDED = (b"traceparent", b"tracestate", b"baggage", b"accept")


_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)


def next_request_id() -> str:
    """Unique per process and across replicas (random prefix), without a system call."""
    return f"{_PREFIX}{next(_COUNTER):012x}"


class Exchange:
    """The state of one request as it moves through the pipeline."""

    __slots__ = (
        "completion_tokens",
        "confidence",
        "context",
        "conversation",
        "error_code",
        "fallback",
        "finish_reason",
        "headers",
        "label",
        "principal",
        "prompt_text",
        "prompt_tokens",
        "reply_body",
        "request_body",
        "request_id",
        "response_body",
        "route",
        "service",
        "span",
        "started",
        "status",
        "stream",
        "trace_headers",
        "trigger",
        "upstream_ms",
        "version",
    )

    def __init__(self, route: str, headers: dict[bytes, bytes]) -> None:
        self.route = route
        self.headers = headers
        self.request_id = next_request_id()
        self.started = time.perf_counter()
        self.principal: Principal | None = None
        self.service: str | None = None
        self.version: str | None = None
        self.status = 500
        self.error_code: str | None = None
        self.stream = False
        self.upstream_ms: float | None = None
        self.prompt_tokens: int | None = None
        self.completion_tokens: int | None = None
        self.fallback: str | None = None
        self.trigger: str | None = None
        self.conversation: str | None = None
        self.context: RouteContext | None = None
        self.request_body: bytes | None = None
        self.response_body: bytes | None = None
        self.reply_body: bytes | None = None
        self.label: str | None = None
        self.confidence: float | None = None
        self.finish_reason: str | None = None
        self.prompt_text: str | None = None
        self.span: Span = INVALID_SPAN
        self.trace_headers: dict[str, str] = {}

    def response_headers(self) -> Headers:
        """The ``x-lockgate-*`` headers every response carries."""
        out: Headers = [(b"x-lockgate-request-id", self.request_id.encode())]
        if self.service is not None:
            out.append((b"x-lockgate-service", self.service.encode()))
        if self.version is not None:
            out.append((b"x-lockgate-version", self.version.encode()))
        if self.fallback is not None:
            out.append((b"x-lockgate-fallback", self.fallback.encode()))
        return out

    def upstream_headers(self, target: Target) -> dict[str, str]:
        """Headers sent upstream: JSON, trace context, the request id and the version's own."""
        out = {"content-type": "application/json", "x-request-id": self.request_id}
        for name in FORWARDED:
            value = self.headers.get(name)
            if value is not None:
                out[name.decode()] = value.decode("latin-1")
        out.update(self.trace_headers)
        out.update(target.headers)
        return out


def set_usage(ex: Exchange, usage: object) -> None:
    """Copy token counts from an OpenAI ``usage`` object."""
    if isinstance(usage, dict):
        prompt = usage.get("prompt_tokens")
        completion = usage.get("completion_tokens")
        ex.prompt_tokens = prompt if isinstance(prompt, int) else None
        ex.completion_tokens = completion if isinstance(completion, int) else None
