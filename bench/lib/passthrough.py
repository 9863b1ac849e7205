"""A minimal raw-ASGI pass-through: each request is sent on to the upstream with one HTTP client.

Used to choose the gateway's upstream client: the app does nothing but read the body, forward it
with the chosen client (a pooled ``aiohttp.ClientSession`` or ``httpx.AsyncClient``) and copy the
answer back, so the difference between two runs is the client alone. ``--client floor`` answers
without any upstream call: the cost of uvicorn and the ASGI app alone. Run it in its own process::

    python bench/lib/passthrough.py --client aiohttp --upstream http://127.0.0.1:8001 --port 8002

It serves on uvicorn with uvloop and httptools, one worker, like ``lockgate serve``.
Self-contained so that it can be started by path.
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Protocol

import aiohttp
import httpx
import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
POOL_SIZE = 256
TIMEOUT_S = 30.0


class Forwarder(Protocol):
    """Sends one request upstream and returns the status, content type and body."""

    async def start(self) -> None:
        """Open the connection pool (inside the server's event loop)."""
        ...

    async def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """POST ``body`` to the upstream at ``path``."""
        ...

    async def close(self) -> None:
        """Close the pool."""
        ...


class AiohttpForwarder:
    """A pooled ``aiohttp.ClientSession``."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Open the session with a pool larger than the benchmark's concurrency."""
        connector = aiohttp.TCPConnector(limit=POOL_SIZE, limit_per_host=POOL_SIZE)
        timeout = aiohttp.ClientTimeout(total=TIMEOUT_S)
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout)

    async def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """POST and read the whole answer."""
        assert self._session is not None, "start() first"
        headers = {"content-type": content_type}
        async with self._session.post(self._base_url + path, data=body, headers=headers) as r:
            data = await r.read()
            return r.status, r.headers.get("content-type", "application/json"), data

    async def close(self) -> None:
        """Close the session."""
        if self._session is not None:
            await self._session.close()


class HttpxForwarder:
    """A pooled ``httpx.AsyncClient`` (HTTP/1.1)."""

    def __init__(self, base_url: str) -> None:
        self._base_url = base_url.rstrip("/")
        self._client: httpx.AsyncClient | None = None

    async def start(self) -> None:
        """Open the client with a pool larger than the benchmark's concurrency."""
        limits = httpx.Limits(max_connections=POOL_SIZE, max_keepalive_connections=POOL_SIZE)
        self._client = httpx.AsyncClient(base_url=self._base_url, limits=limits, timeout=TIMEOUT_S)

    async def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """POST and read the whole answer."""
        assert self._client is not None, "start() first"
        r = await self._client.post(path, content=body, headers={"content-type": content_type})
        return r.status_code, r.headers.get("content-type", "application/json"), r.content

    async def close(self) -> None:
        """Close the client."""
        if self._client is not None:
            await self._client.aclose()


class FloorForwarder:
    """No client at all: answers a fixed completion itself, to measure the server's own cost."""

    BODY = (
        b'{"id":"chatcmpl-floor","object":"chat.completion","created":1700000000,'
        b'"model":"bench-floor","choices":[{"index":0,"message":{"role":"assistant",'
        b'"content":"Hello from the ASGI floor."},"finish_reason":"stop"}],'
        b'"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}'
    )

    def __init__(self, base_url: str) -> None:
        del base_url  # nothing is forwarded

    async def start(self) -> None:
        """Nothing to open."""

    async def forward(self, path: str, body: bytes, content_type: str) -> tuple[int, str, bytes]:
        """The fixed answer, without any I/O."""
        del path, body, content_type
        return 200, "application/json", self.BODY

    async def close(self) -> None:
        """Nothing to close."""


class PassThrough:
    """The ASGI app: lifespan opens and closes the client; HTTP requests are forwarded."""

    def __init__(self, forwarder: Forwarder) -> None:
        self._forwarder = forwarder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Dispatch on the scope type."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self._forwarder.start()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._forwarder.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        content_type = "application/json"
        for name, value in scope["headers"]:
            if name == b"content-type":
                content_type = value.decode("latin-1")
        status, answer_type, data = await self._forwarder.forward(
            scope["path"], b"".join(chunks), content_type
        )
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", answer_type.encode("latin-1")),
                    (b"content-length", str(len(data)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": data})


FORWARDERS: dict[str, Callable[[str], Forwarder]] = {
    "aiohttp": AiohttpForwarder,
    "httpx": HttpxForwarder,
    "floor": FloorForwarder,
}


def main() -> None:
    """Parse the command line and serve."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", choices=sorted(FORWARDERS), required=True)
    parser.add_argument("--upstream", required=True, help="base URL of the upstream")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = PassThrough(FORWARDERS[args.client](args.upstream))
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        loop="uvloop",
        http="httptools",
        lifespan="on",
        log_level="warning",
        access_log=False,
        server_header=False,
        date_header=False,
    )


if __name__ == "__main__":
    main()
