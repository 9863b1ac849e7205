"""Answers the gateway writes itself (static fallbacks, hand-offs) in the caller's API shape."""

from __future__ import annotations

import time
from typing import Any

import orjson

from lockgate.gateway.asgi import JSON_TYPE, Headers, Send, send_bytes
from lockgate.gateway.streaming import SSE_HEADERS


def chat_completion(
    request_id: str, service: str, content: str, extra: dict[str, Any]
) -> dict[str, Any]:
    """An OpenAI ``chat.completion`` carrying ``content``, with zero token usage."""
    return {
        "id": f"chatcmpl-lg-{request_id}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": service,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "lockgate": extra,
    }


def _chunk(request_id: str, service: str, delta: dict[str, Any], finish: str | None) -> bytes:
    body = {
        "id": f"chatcmpl-lg-{request_id}",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": service,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + orjson.dumps(body) + b"\n\n"


async def send_answer(
    send: Send,
    *,
    route: str,
    stream: bool,
    request_id: str,
    service: str,
    content: str,
    extra: dict[str, Any],
    headers: Headers,
) -> None:
    """Send ``content`` as a chat completion (JSON or SSE) or, for invoke, as plain JSON."""
    if route == "chat" and stream:
        events = (
            _chunk(request_id, service, {"role": "assistant", "content": content}, None)
            + _chunk(request_id, service, {}, "stop")
            + b"data: [DONE]\n\n"
        )
        await send_bytes(send, 200, events, [*SSE_HEADERS, *headers])
        return
    if route == "chat":
        body = chat_completion(request_id, service, content, extra)
    else:
        body = {"message": content, "lockgate": extra}
    await send_bytes(send, 200, orjson.dumps(body), [JSON_TYPE, *headers])
