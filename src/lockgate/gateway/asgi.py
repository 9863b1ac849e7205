"""The few ASGI primitives the hot path needs: typed callables, body reading, JSON responses."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import orjson

from lockgate.errors import LockgateError, PayloadTooLarge, RequestError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Headers = list[tuple[bytes, bytes]]

JSON_TYPE = (b"content-type", b"application/json")


def header(scope: Scope, name: bytes) -> bytes | None:
    """The first value of header ``name`` (lower-case), or None."""
    for key, value in scope["headers"]:
        if key == name:
            return value  # type: ignore[no-any-return]
    return None


def headers_of(scope: Scope) -> dict[bytes, bytes]:
    """All request headers; later duplicates win (fine for the ones the gateway reads)."""
    return dict(scope["headers"])


async def read_body(receive: Receive, limit: int, declared: bytes | None) -> bytes:
    """The whole request body; 413 as soon as it exceeds ``limit`` bytes."""
    if declared is not None:
        try:
            length = int(declared)
        except ValueError:
            raise RequestError("the Content-Length header is not a number") from None
        if length > limit:
            raise PayloadTooLarge(
                f"the request body is {length} bytes; the limit is {limit} "
                "(gateway.max_body in the manifest)"
            )
    message = await receive()
    body: bytes = message.get("body", b"")
    if not message.get("more_body", False):
        if len(body) > limit:
            raise PayloadTooLarge(f"the request body exceeds the {limit}-byte limit")
        return body
    chunks = [body]
    size = len(body)
    while message.get("more_body", False):
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise PayloadTooLarge(
                f"the request body exceeds the {limit}-byte limit (gateway.max_body)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


async def send_bytes(send: Send, status: int, body: bytes, headers: Headers) -> None:
    """A complete response with ``body``."""
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*headers, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def send_json(send: Send, status: int, data: Any, headers: Headers | None = None) -> None:
    """A JSON response."""
    await send_bytes(send, status, orjson.dumps(data), [JSON_TYPE, *(headers or [])])


async def send_error(send: Send, error: LockgateError, headers: Headers | None = None) -> None:
    """The OpenAI-shaped error body with the error's status."""
    await send_json(send, error.status, error.to_body(), headers)
