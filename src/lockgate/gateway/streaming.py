"""Server-sent events passed through chunk by chunk, never buffered.

Before the first byte an upstream failure is an ordinary error response. After it the status line
is gone, so the stream ends with an OpenAI-style ``error`` event that SDKs raise, then closes.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import orjson

from lockgate.errors import UpstreamError
from lockgate.gateway.asgi import Send, send_bytes
from lockgate.gateway.exchange import Exchange, set_usage
from lockgate.privacy.minimize import Restoration
from lockgate.privacy.sse_restore import restore_stream

if TYPE_CHECKING:
    from lockgate.gateway.runtime import Runtime
    from lockgate.gateway.upstream import Target

SSE_HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-cache"),
    (b"x-accel-buffering", b"no"),
]
_USAGE = b'"usage"'
_MAX_TAIL = 65536


async def relay(
    rt: Runtime,
    ex: Exchange,
    target: Target,
    body: bytes,
    send: Send,
    *,
    restoration: Restoration | None = None,
) -> None:
    """Stream the upstream's answer to the client as it arrives, placeholders restored."""
    started = time.perf_counter()
    reply = await rt.upstream.open_stream(target, body, ex.upstream_headers(target))
    try:
        if reply.status != 200:
            data = await reply.read()
            if reply.status >= 500:
                raise UpstreamError(
                    f"the upstream of version {target.version!r} answered HTTP {reply.status}"
                )
            ex.status = reply.status
            content_type = (reply.content_type or "application/json").encode()
            await send_bytes(
                send, reply.status, data, [(b"content-type", content_type), *ex.response_headers()]
            )
            return
        ex.status = 200
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*SSE_HEADERS, *ex.response_headers()],
            }
        )
        tail = b""
        captured: list[bytes] | None = [] if ex.request_body is not None else None
        chunks = reply.chunks()
        if restoration:
            chunks = restore_stream(chunks, restoration)
        first = True
        try:
            async for chunk in chunks:
                if first:
                    first = False
                    rt.metrics.first_token(ex.service or "-", target.version, started)
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                if captured is not None:
                    captured.append(chunk)
                if _USAGE in chunk or tail:
                    tail = _scan_usage(ex, tail + chunk)
        except UpstreamError as error:
            ex.error_code = error.code
            event = orjson.dumps(error.to_body())
            await send(
                {
                    "type": "http.response.body",
                    "body": b"data: " + event + b"\n\n",
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        if captured is not None:
            ex.response_body = b"".join(captured)
    finally:
        reply.close()
        ex.upstream_ms = (time.perf_counter() - started) * 1000


def _scan_usage(ex: Exchange, data: bytes) -> bytes:
    """Read ``usage`` from complete SSE lines; return the incomplete last line (bounded)."""
    *lines, rest = data.split(b"\n")
    for line in lines:
        if line.startswith(b"data: {") and _USAGE in line:
            try:
                usage = orjson.loads(line[6:]).get("usage")
            except orjson.JSONDecodeError:
                continue
            if usage:
                set_usage(ex, usage)
    return rest[-_MAX_TAIL:] if _USAGE in rest or rest.startswith(b"data") else b""
