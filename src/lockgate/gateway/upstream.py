"""Calls to model servers. aiohttp was picked by measurement (``bench/upstream_client.py``).

Transport failures become the gateway's upstream errors: timeouts 504, unreachable 503, anything
else from the transport 502. An upstream's own HTTP status is returned as is; the pipeline decides.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from lockgate.errors import UpstreamError, UpstreamTimeout, UpstreamUnavailable


@dataclass(frozen=True, slots=True)
class Target:
    """Where and how to call one version."""

    version: str
    url: str
    headers: tuple[tuple[str, str], ...]
    timeout: float
    connect_timeout: float
    ssl: ssl.SSLContext | bool


@dataclass(frozen=True, slots=True)
class Reply:
    """A complete upstream answer."""

    status: int
    body: bytes
    content_type: str


class StreamReply(Protocol):
    """An upstream answer whose body arrives in chunks."""

    status: int
    content_type: str

    def chunks(self) -> AsyncIterator[bytes]:
        """Body chunks as they arrive."""

    async def read(self) -> bytes:
        """The rest of the body at once."""

    def close(self) -> None:
        """Release the connection."""


class Upstream(Protocol):
    """The transport the pipeline calls model servers through."""

    async def post(self, target: Target, body: bytes, headers: dict[str, str]) -> Reply:
        """POST ``body`` and read the whole answer."""

    async def open_stream(
        self, target: Target, body: bytes, headers: dict[str, str]
    ) -> StreamReply:
        """POST ``body`` and return as soon as the status line and headers arrive."""

    async def close(self) -> None:
        """Close pooled connections."""


class _AiohttpStream:
    def __init__(self, response: aiohttp.ClientResponse, target: Target) -> None:
        self._response = response
        self._target = target
        self.status = response.status
        self.content_type = response.headers.get("content-type", "")

    async def chunks(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_any():
                yield chunk
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _translate(exc, self._target) from exc

    async def read(self) -> bytes:
        try:
            return await self._response.read()
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _translate(exc, self._target) from exc

    def close(self) -> None:
        self._response.release()


class AiohttpUpstream:
    """Pooled keep-alive connections to every upstream."""

    def __init__(self, *, limit_per_host: int = 256) -> None:
        self._limit_per_host = limit_per_host
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:
            connector = aiohttp.TCPConnector(
                limit=0, limit_per_host=self._limit_per_host, ttl_dns_cache=300
            )
            self._session = aiohttp.ClientSession(
                connector=connector, auto_decompress=False, skip_auto_headers=("User-Agent",)
            )
        return self._session

    async def post(self, target: Target, body: bytes, headers: dict[str, str]) -> Reply:
        timeout = aiohttp.ClientTimeout(total=target.timeout, connect=target.connect_timeout)
        try:
            async with self._client().post(
                target.url, data=body, headers=headers, timeout=timeout, ssl=target.ssl
            ) as response:
                data = await response.read()
                return Reply(response.status, data, response.headers.get("content-type", ""))
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _translate(exc, target) from exc

    async def open_stream(
        self, target: Target, body: bytes, headers: dict[str, str]
    ) -> StreamReply:
        timeout = aiohttp.ClientTimeout(
            total=None, connect=target.connect_timeout, sock_read=target.timeout
        )
        try:
            response = await asyncio.wait_for(
                self._client().post(
                    target.url, data=body, headers=headers, timeout=timeout, ssl=target.ssl
                ),
                timeout=target.timeout,
            )
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise _translate(exc, target) from exc
        return _AiohttpStream(response, target)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _translate(exc: BaseException, target: Target) -> UpstreamError:
    name = f"version {target.version!r}"
    if isinstance(exc, TimeoutError | aiohttp.ServerTimeoutError):
        return UpstreamTimeout(
            f"the upstream of {name} did not answer within {target.timeout:g}s; "
            "raise versions.<name>.timeout or check the model server"
        )
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return UpstreamError(
            f"the TLS certificate of the upstream of {name} did not verify; fix the server's "
            "certificate or set versions.<name>.ca_bundle to its CA file"
        )
    if isinstance(exc, aiohttp.ClientConnectorError | aiohttp.ServerDisconnectedError):
        return UpstreamUnavailable(
            f"the upstream of {name} cannot be reached ({type(exc).__name__}); "
            "check that the model server is running"
        )
    return UpstreamError(f"the upstream of {name} failed: {type(exc).__name__}")
