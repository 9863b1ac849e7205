"""OpenTelemetry tracing: a server span per request, a client span per upstream call.

Each runtime owns its tracer provider (nothing global), so tests pass an in-memory exporter and
several gateways in one process never mix spans. W3C trace context arrives in ``traceparent`` and
leaves with every upstream call. Attributes follow the GenAI semantic conventions where they fit.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.propagators.textmap import Getter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Tracer
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from lockgate import __version__
from lockgate.manifest.secrets import resolve
from lockgate.manifest.telemetry import TracingSettings


class _BytesHeaders(Getter[Mapping[bytes, bytes]]):
    """Reads W3C headers from ASGI's lower-case byte headers."""

    def get(self, carrier: Mapping[bytes, bytes], key: str) -> list[str] | None:
        value = carrier.get(key.encode())
        return [value.decode("latin-1")] if value is not None else None

    def keys(self, carrier: Mapping[bytes, bytes]) -> list[str]:
        return [key.decode("latin-1") for key in carrier]


_GETTER = _BytesHeaders()
_PROPAGATOR = TraceContextTextMapPropagator()


class Tracing:
    """The runtime's tracer, its exporter pipeline and W3C propagation."""

    def __init__(
        self,
        settings: TracingSettings,
        *,
        service: str,
        exporter: SpanExporter | None = None,
        base_dir: Path | None = None,
    ) -> None:
        # Spans nobody exports are pure cost: without an exporter the gateway only forwards the
        # caller's trace context (W3C headers pass through unchanged).
        self.enabled = settings.enabled and (exporter is not None or bool(settings.otlp_endpoint))
        self._provider: TracerProvider | None = None
        if not self.enabled:
            self.tracer: Tracer = trace.NoOpTracer()
            return
        provider = TracerProvider(
            resource=Resource.create(
                {
                    "service.name": "lockgate",
                    "service.version": __version__,
                    "lockgate.service": service,
                }
            ),
            sampler=ParentBased(TraceIdRatioBased(settings.sample_ratio)),
        )
        if exporter is not None:
            provider.add_span_processor(SimpleSpanProcessor(exporter))
        elif settings.otlp_endpoint:
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            headers = {k: resolve(v, base_dir=base_dir) for k, v in settings.headers.items()}
            provider.add_span_processor(
                BatchSpanProcessor(
                    OTLPSpanExporter(endpoint=settings.otlp_endpoint, headers=headers)
                )
            )
        self._provider = provider
        self.tracer = provider.get_tracer("lockgate.gateway", __version__)

    def server_span(self, headers: Mapping[bytes, bytes], name: str) -> Span:
        """Start the request's span as a child of the caller's trace, if it sent one."""
        if not self.enabled:
            return trace.INVALID_SPAN
        parent = _PROPAGATOR.extract(headers, getter=_GETTER) if b"traceparent" in headers else None
        return self.tracer.start_span(name, context=parent, kind=SpanKind.SERVER)

    def child_span(self, parent: Span, name: str, *, kind: SpanKind = SpanKind.CLIENT) -> Span:
        """Start a span under ``parent`` (an upstream call or a fallback step)."""
        if not self.enabled:
            return trace.INVALID_SPAN
        context: Context = trace.set_span_in_context(parent)
        return self.tracer.start_span(name, context=context, kind=kind)

    @staticmethod
    def inject(span: Span, headers: dict[str, str]) -> None:
        """Write ``traceparent`` (and ``tracestate``) for ``span`` into outgoing ``headers``."""
        if span.get_span_context().is_valid:
            _PROPAGATOR.inject(headers, context=trace.set_span_in_context(span))

    @staticmethod
    def trace_id(span: Span) -> str | None:
        """The 32-hex trace id, or None when the span is not part of a valid trace."""
        context = span.get_span_context()
        return format(context.trace_id, "032x") if context.is_valid else None

    def shutdown(self) -> None:
        """Flush and stop the exporter pipeline."""
        if self._provider is not None:
            self._provider.shutdown()
