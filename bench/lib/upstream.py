"""A fixed-response OpenAI-compatible upstream: a raw asyncio protocol server on uvloop.

Every request, whatever its method and path, is answered with the same ``chat.completion`` JSON
(with ``usage``), so the server costs a few microseconds per request and never is the bottleneck.
Run it as a script in its own process::

    python bench/lib/upstream.py --host 127.0.0.1 --port 8001

It is self-contained (standard library, ``httptools`` and ``uvloop``) so it can be started by path.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from typing import cast

import httptools
import uvloop

COMPLETION: dict[str, object] = {
    "id": "chatcmpl-bench",
    "object": "chat.completion",
    "created": 1_700_000_000,
    "model": "bench-upstream",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from the fixed upstream."},
            "finish_reason": "stop",
        }
    ],
    "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19},
}


def build_response(body: bytes, *, keep_alive: bool) -> bytes:
    """Return the full HTTP/1.1 response bytes for ``body``."""
    connection = b"keep-alive" if keep_alive else b"close"
    head = (
        b"HTTP/1.1 200 OK\r\n"
        b"content-type: application/json\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: " + connection + b"\r\n\r\n"
    )
    return head + body


class FixedResponseProtocol(asyncio.Protocol):
    """One connection: parse requests with httptools, answer each with the fixed response."""

    __slots__ = ("_close_response", "_keep_response", "_parser", "_transport")

    def __init__(self, keep_response: bytes, close_response: bytes) -> None:
        self._keep_response = keep_response
        self._close_response = close_response
        self._parser = httptools.HttpRequestParser(self)
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport; the parser calls back into this object."""
        # uvloop's TCP transports implement asyncio.Transport without subclassing it.
        self._transport = cast("asyncio.Transport", transport)

    def data_received(self, data: bytes) -> None:
        """Feed bytes to the parser; a malformed request closes the connection."""
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError:
            if self._transport is not None:
                self._transport.close()

    def on_message_complete(self) -> None:
        """Answer one complete request (pipelined requests are answered in order)."""
        transport = self._transport
        if transport is None:
            return
        if self._parser.should_keep_alive():
            transport.write(self._keep_response)
        else:
            transport.write(self._close_response)
            transport.close()

    def connection_lost(self, _exc: Exception | None) -> None:
        """Forget the transport (why it was lost does not matter here)."""
        self._transport = None


async def serve(host: str, port: int) -> None:
    """Serve until SIGTERM or SIGINT."""
    body = json.dumps(COMPLETION, separators=(",", ":")).encode()
    keep = build_response(body, keep_alive=True)
    close = build_response(body, keep_alive=False)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: FixedResponseProtocol(keep, close), host, port, backlog=4096, reuse_address=True
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with server:
        await stop.wait()


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvloop.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
