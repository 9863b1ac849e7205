"""An OpenAI-shaped upstream that repeats the user's last message in its answer.

Echoing puts the planted personal data in the response too, and the streamed answer is cut into
three-character chunks, so every planted value is split across SSE events.
"""

from __future__ import annotations

from typing import Any

import orjson

CHUNK = 3


def answer_text(payload: dict[str, Any]) -> str:
    """What the upstream answers: the last message, repeated."""
    messages = payload.get("messages") or [{}]
    return f"Noted: {messages[-1].get('content', '')}"


async def echo_upstream(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """ASGI app: JSON completions, or SSE chunks when ``stream`` is set."""
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            else:
                await send({"type": "lifespan.shutdown.complete"})
                return
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    payload = orjson.loads(body)
    text = answer_text(payload)
    if not payload.get("stream"):
        choice = {"index": 0, "message": {"role": "assistant", "content": text}}
        reply = {
            "id": "chatcmpl-echo",
            "object": "chat.completion",
            "model": payload.get("model"),
            "choices": [{**choice, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 5, "completion_tokens": 5, "total_tokens": 10},
        }
        await _start(send, b"application/json")
        await send({"type": "http.response.body", "body": orjson.dumps(reply)})
        return
    await _start(send, b"text/event-stream")
    for start in range(0, len(text), CHUNK):
        chunk = {
            "id": "chatcmpl-echo",
            "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": text[start : start + CHUNK]}}],
        }
        data = b"data: " + orjson.dumps(chunk) + b"\n\n"
        await send({"type": "http.response.body", "body": data, "more_body": True})
    done = {"id": "chatcmpl-echo", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    tail = b"data: " + orjson.dumps(done) + b"\n\ndata: [DONE]\n\n"
    await send({"type": "http.response.body", "body": tail})


async def _start(send: Any, content_type: bytes) -> None:
    headers = [(b"content-type", content_type)]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
