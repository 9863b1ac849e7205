"""A deliberately scriptable, sometimes faulty, OpenAI-compatible upstream for error-path tests.

Users never run this: it exists to produce the failures (500s, timeouts, garbage, dropped streams)
that the gateway must map to clear errors. The happy paths run against the real example service.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import orjson


@dataclass
class Seen:
    """One request the upstream received."""

    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class ScriptedUpstream:
    """Answers according to ``mode``: ok, error500, error400, slow, garbage, die_midstream."""

    mode: str = "ok"
    delay: float = 0.0
    fail_next: int = 0
    seen: list[Seen] = field(default_factory=list)

    def completion(self, model: str) -> dict[str, Any]:
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "created": 1,
            "model": model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "hello from upstream"},
                    "finish_reason": "stop",
                }
            ],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
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
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.seen.append(Seen(scope["path"], headers, body))
        payload = orjson.loads(body) if body.startswith(b"{") else {}
        model = str(payload.get("model", "unknown"))
        if self.fail_next > 0:
            self.fail_next -= 1
            await _json(send, 503, {"error": {"message": "overloaded", "type": "server_error"}})
            return
        if self.mode == "slow":
            await asyncio.sleep(self.delay)
        if self.mode == "error500":
            await _json(send, 500, {"error": {"message": "boom", "type": "server_error"}})
        elif self.mode == "error400":
            await _json(send, 400, {"error": {"message": "bad temperature", "type": "invalid"}})
        elif self.mode == "garbage":
            await _raw(send, 200, b"<html>not json</html>", b"text/html")
        elif payload.get("stream"):
            await self._stream(send, model)
        elif scope["path"].endswith("/invoke"):
            await _json(send, 200, {"echo": payload, "path": scope["path"]})
        else:
            await _json(send, 200, self.completion(model))

    async def _stream(self, send: Any, model: str) -> None:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream")],
            }
        )
        words = ["hello", " from", " upstream"]
        for index, word in enumerate(words):
            chunk = {
                "id": "chatcmpl-test",
                "object": "chat.completion.chunk",
                "created": 1,
                "model": model,
                "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}],
            }
            await send({"type": "http.response.body", "body": _sse(chunk), "more_body": True})
            if self.mode == "die_midstream" and index == 0:
                await asyncio.sleep(0.2)  # the first chunk is on the wire before the crash
                raise RuntimeError("upstream died mid-stream (on purpose)")
            await asyncio.sleep(0.01)
        usage = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [],
            "usage": {"prompt_tokens": 7, "completion_tokens": 3, "total_tokens": 10},
        }
        await send({"type": "http.response.body", "body": _sse(usage), "more_body": True})
        await send({"type": "http.response.body", "body": b"data: [DONE]\n\n"})


def _sse(data: dict[str, Any]) -> bytes:
    return b"data: " + orjson.dumps(data) + b"\n\n"


async def _json(send: Any, status: int, data: Any) -> None:
    await _raw(send, status, orjson.dumps(data), b"application/json")


async def _raw(send: Any, status: int, body: bytes, content_type: bytes) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type)],
        }
    )
    await send({"type": "http.response.body", "body": body})
