"""Tracing through a real gateway: W3C context in and out, span tree, GenAI attributes, sampling."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import func, select

from lockgate.store.tables import RequestLogEntry
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}
TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_ID}-01"


def _hex_trace(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.trace_id, "032x")


def _hex_span(span: ReadableSpan) -> str:
    assert span.context is not None
    return format(span.context.span_id, "016x")


def _parent_hex(span: ReadableSpan) -> str | None:
    return format(span.parent.span_id, "016x") if span.parent is not None else None


def _spans(exporter: InMemorySpanExporter, count: int) -> list[ReadableSpan]:
    """Wait until ``count`` spans are exported (the server span ends after the reply is sent)."""
    wait_until(lambda: len(exporter.get_finished_spans()) >= count, timeout=5)
    return list(exporter.get_finished_spans())


def _sampled(traceparent: str) -> bool:
    """The W3C ``sampled`` bit of a ``traceparent`` header."""
    return bool(int(traceparent.rsplit("-", 1)[1], 16) & 0x01)


def _one(spans: list[ReadableSpan], kind: SpanKind) -> ReadableSpan:
    found = [span for span in spans if span.kind is kind]
    assert len(found) == 1, [(s.name, s.kind) for s in spans]
    return found[0]


def _logged(gw: Gateway) -> int:
    """Requests in the request log: each is written only after its server span has ended."""
    with gw.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(RequestLogEntry)) or 0)


def _chat(gw: Gateway, headers: dict[str, str] | None = None) -> httpx.Response:
    auth = {"authorization": f"Bearer {gw.key()}", **(headers or {})}
    return httpx.post(gw.url + CHAT, json=GOOD, headers=auth)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    """A fresh in-memory exporter per test."""
    return InMemorySpanExporter()


@pytest.fixture
def traced(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], exporter: InMemorySpanExporter
) -> Iterator[tuple[Gateway, ScriptedUpstream]]:
    upstream, url = scripted
    with running_gateway(tmp_path, manifest_dict({"v1": url}), span_exporter=exporter) as gw:
        yield gw, upstream


def test_incoming_trace_is_continued_and_propagated_upstream(
    traced: tuple[Gateway, ScriptedUpstream], exporter: InMemorySpanExporter
) -> None:
    """The server span joins the caller's trace, the client span is its child and goes upstream."""
    gw, upstream = traced
    assert _chat(gw, {"traceparent": TRACEPARENT}).status_code == 200
    spans = _spans(exporter, 2)
    server, client = _one(spans, SpanKind.SERVER), _one(spans, SpanKind.CLIENT)
    assert _hex_trace(server) == TRACE_ID
    assert _parent_hex(server) == PARENT_ID
    assert server.parent is not None and server.parent.is_remote
    assert _hex_trace(client) == TRACE_ID
    assert _parent_hex(client) == _hex_span(server)
    assert upstream.seen[-1].headers["traceparent"] == f"00-{TRACE_ID}-{_hex_span(client)}-01"


def test_spans_carry_genai_and_http_attributes(
    traced: tuple[Gateway, ScriptedUpstream], exporter: InMemorySpanExporter
) -> None:
    """Model, token usage, version and status are on the server span; the client names its call."""
    gw, _ = traced
    response = _chat(gw)
    assert response.status_code == 200
    spans = _spans(exporter, 2)
    server, client = _one(spans, SpanKind.SERVER), _one(spans, SpanKind.CLIENT)
    attributes = dict(server.attributes or {})
    assert attributes["gen_ai.request.model"] == "support-assistant"
    assert attributes["gen_ai.usage.input_tokens"] == 7
    assert attributes["gen_ai.usage.output_tokens"] == 3
    assert attributes["lockgate.version"] == "v1"
    assert attributes["http.response.status_code"] == 200
    assert attributes["lockgate.request_id"] == response.headers["x-lockgate-request-id"]
    assert "lockgate.fallback" not in attributes
    assert server.status.status_code is not StatusCode.ERROR
    assert server.parent is None  # no incoming traceparent: a new trace
    assert dict(client.attributes or {})["lockgate.version"] == "v1"
    assert dict(client.attributes or {})["gen_ai.request.model"] == "support-assistant"
    assert server.resource.attributes["lockgate.service"] == "support-assistant"


def test_fallback_to_another_version_shows_both_calls(
    tmp_path: Path, exporter: InMemorySpanExporter
) -> None:
    """A failing version's client span is ERROR; the fallback call and the server span say so."""
    stable, other = ScriptedUpstream(mode="error500"), ScriptedUpstream()
    with serve(stable) as stable_url, serve(other) as other_url:
        data = manifest_dict({"v1": other_url, "v2": stable_url}, stable="v2")
        data["fallback"] = {"chain": [{"action": "version", "version": "v1"}]}
        with running_gateway(tmp_path, data, span_exporter=exporter) as gw:
            response = _chat(gw, {"traceparent": TRACEPARENT})
            assert response.headers["x-lockgate-fallback"] == "version:v1"
            spans = _spans(exporter, 3)
    server = _one(spans, SpanKind.SERVER)
    clients = {s.name: s for s in spans if s.kind is SpanKind.CLIENT}
    assert set(clients) == {"chat v2", "chat v1"}
    failed, answered = clients["chat v2"], clients["chat v1"]
    assert failed.status.status_code is StatusCode.ERROR
    assert answered.status.status_code is not StatusCode.ERROR
    assert dict(answered.attributes or {})["lockgate.fallback"] == "version:v1"
    assert "lockgate.fallback" not in dict(failed.attributes or {})
    assert {_parent_hex(failed), _parent_hex(answered)} == {_hex_span(server)}
    assert dict(server.attributes or {})["lockgate.fallback"] == "version:v1"
    assert dict(server.attributes or {})["http.response.status_code"] == 200
    assert len(stable.seen) == 1 and len(other.seen) == 1
    assert other.seen[0].headers["traceparent"] == f"00-{TRACE_ID}-{_hex_span(answered)}-01"


@pytest.mark.parametrize(
    ("action", "name"),
    [
        ({"action": "static", "message": "We are busy, try again soon."}, "fallback static"),
        ({"action": "handoff"}, "fallback handoff"),
    ],
)
def test_static_and_handoff_fallbacks_have_an_internal_span(
    tmp_path: Path,
    scripted: tuple[ScriptedUpstream, str],
    exporter: InMemorySpanExporter,
    action: dict[str, Any],
    name: str,
) -> None:
    """A static answer or a hand-off is an INTERNAL span under the request's server span."""
    upstream, url = scripted
    upstream.mode = "error500"
    data = manifest_dict({"v1": url})
    data["fallback"] = {"chain": [action]}
    with running_gateway(tmp_path, data, span_exporter=exporter) as gw:
        response = _chat(gw)
        assert response.status_code == 200
        spans = _spans(exporter, 3)
    server = _one(spans, SpanKind.SERVER)
    internal = _one(spans, SpanKind.INTERNAL)
    assert internal.name == name
    assert _parent_hex(internal) == _hex_span(server)
    assert _hex_trace(internal) == _hex_trace(server)
    assert _one(spans, SpanKind.CLIENT).status.status_code is StatusCode.ERROR
    fallback = response.headers["x-lockgate-fallback"]
    assert dict(server.attributes or {})["lockgate.fallback"] == fallback
    if fallback == "handoff":
        ticket = response.json()["lockgate"]["ticket"]
        assert dict(internal.attributes or {})["lockgate.handoff.ticket"] == ticket


def test_disabled_tracing_exports_nothing_and_forwards_the_callers_context(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], exporter: InMemorySpanExporter
) -> None:
    """With tracing off no span is recorded and the caller's traceparent reaches the upstream."""
    upstream, url = scripted
    data = manifest_dict({"v1": url})
    data["telemetry"] = {"tracing": {"enabled": False}}
    with running_gateway(tmp_path, data, span_exporter=exporter) as gw:
        assert _chat(gw, {"traceparent": TRACEPARENT}).status_code == 200
        assert _chat(gw).status_code == 200
        wait_until(lambda: _logged(gw) == 2, timeout=5)
    assert exporter.get_finished_spans() == ()
    assert upstream.seen[0].headers["traceparent"] == TRACEPARENT
    assert "traceparent" not in upstream.seen[1].headers


def test_zero_sample_ratio_records_new_traces_never_but_follows_sampled_parents(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], exporter: InMemorySpanExporter
) -> None:
    """At ratio 0 new traces are dropped (and marked unsampled upstream); a sampled parent wins."""
    upstream, url = scripted
    data = manifest_dict({"v1": url})
    data["telemetry"] = {"tracing": {"sample_ratio": 0}}
    with running_gateway(tmp_path, data, span_exporter=exporter) as gw:
        for _ in range(5):
            assert _chat(gw).status_code == 200
        wait_until(lambda: _logged(gw) == 5, timeout=5)
        assert exporter.get_finished_spans() == ()
        assert len(upstream.seen) == 5
        assert not any(_sampled(seen.headers["traceparent"]) for seen in upstream.seen)
        assert _chat(gw, {"traceparent": TRACEPARENT}).status_code == 200
        spans = _spans(exporter, 2)
    assert {_hex_trace(span) for span in spans} == {TRACE_ID}
    assert {span.kind for span in spans} == {SpanKind.SERVER, SpanKind.CLIENT}
    assert _sampled(upstream.seen[-1].headers["traceparent"])
