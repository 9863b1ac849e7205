"""POST with a timeout per attempt and bounded retries: the transport of the HTTP notifiers.

Connection errors, timeouts, 429 and 5xx are retried with exponential backoff; any other 4xx is
final (the receiver will not change its mind). The result is a ``Delivery``; nothing raises.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import aiohttp

from lockgate.monitor.alerts.notification import Delivery

_RETRYABLE = frozenset({408, 425, 429})


class HttpClient:
    """One pooled aiohttp session shared by the HTTP notifiers; close it when done."""

    def __init__(self, *, timeout: float = 5.0, attempts: int = 3, backoff: float = 0.2) -> None:
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.timeout = timeout
        self.attempts = attempts
        self.backoff = backoff
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=self.timeout))
        return self._session

    async def post(self, name: str, url: str, body: bytes, headers: Mapping[str, str]) -> Delivery:
        """POST ``body`` to ``url``; a 2xx is delivered, anything else is reported."""
        detail = ""
        for attempt in range(1, self.attempts + 1):
            try:
                async with self._client().post(url, data=body, headers=dict(headers)) as response:
                    await response.read()
                    if response.status < 300:
                        return Delivery(
                            name, delivered=True, detail=f"HTTP {response.status}", attempts=attempt
                        )
                    detail = f"HTTP {response.status}"
                    if response.status < 500 and response.status not in _RETRYABLE:
                        return Delivery(name, delivered=False, detail=detail, attempts=attempt)
            except (TimeoutError, aiohttp.ClientError) as exc:
                detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            if attempt < self.attempts:
                await asyncio.sleep(self.backoff * 2 ** (attempt - 1))
        return Delivery(name, delivered=False, detail=detail, attempts=self.attempts)

    async def close(self) -> None:
        """Release the session's connections."""
        if self._session is not None:
            await self._session.close()
            self._session = None
