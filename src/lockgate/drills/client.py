"""The drill's HTTP side: chat traffic and the admin API of one gateway on this host."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson

from lockgate.drills.errors import DrillError, DrillRefused
from lockgate.drills.model import Sample

CHAT = "/v1/chat/completions"
ANSWER_TIMEOUT = 75.0
"""Longest a drill waits for one answer: above the largest injectable latency (60 s)."""
ADMIN_TIMEOUT = 15.0


def require_loopback(url: str) -> str:
    """``url`` without a trailing slash; refused unless it points at this host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in {"http", "https"} or not host:
        raise DrillRefused(
            f"{url!r} is not a gateway URL; pass e.g. --gateway http://127.0.0.1:8700"
        )
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise DrillRefused(
            f"drills drive traffic at a gateway on this host only, not {host!r}; "
            "run the drill on the gateway's host (or through a tunnel to 127.0.0.1)"
        )
    return url.rstrip("/")


def _error_text(status: int, body: bytes) -> tuple[str | None, str]:
    """The error code and message of an error answer (OpenAI shape or FastAPI's detail)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None, body[:200].decode("utf-8", "replace") or f"HTTP {status}"
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        return error.get("code"), str(error.get("message", ""))
    detail = data.get("detail") if isinstance(data, dict) else None
    return None, str(detail if detail is not None else data)


class GatewayClient:
    """Chat requests and admin calls with the drill's key; use as an async context manager."""

    def __init__(
        self,
        url: str,
        token: Callable[[], str],
        *,
        service: str,
        user_header: str,
        clock: Callable[[], float],
    ) -> None:
        self.url = require_loopback(url)
        self._token = token
        self._service = service
        self._user_header = user_header
        self._clock = clock
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GatewayClient:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            json_serialize=lambda v: orjson.dumps(v).decode(),
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        """The open HTTP session."""
        if self._session is None:
            raise RuntimeError("use the client as `async with GatewayClient(...)`")
        return self._session

    def _auth(self) -> dict[str, str]:
        return {"authorization": f"Bearer {self._token()}"}

    async def chat(self, text: str, user: str) -> Sample:
        """Send one chat request; transport failures become a sample with status 0."""
        body = {"model": self._service, "messages": [{"role": "user", "content": text}]}
        headers = {**self._auth(), self._user_header: user}
        sent = self._clock()
        try:
            async with self.session.post(
                self.url + CHAT,
                json=body,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=ANSWER_TIMEOUT),
            ) as response:
                payload = await response.read()
                status = response.status
                version = response.headers.get("x-lockgate-version")
                fallback = response.headers.get("x-lockgate-fallback")
        except (aiohttp.ClientError, TimeoutError) as exc:
            return Sample(sent, self._clock(), 0, error=type(exc).__name__)
        code = _error_text(status, payload)[0] if status >= 400 else None
        return Sample(sent, self._clock(), status, version, fallback, code)

    async def admin(
        self,
        method: str,
        path: str,
        *,
        json: dict[str, Any] | None = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """Call the admin API; an error answer raises ``DrillError`` with the gateway's message."""
        try:
            async with self.session.request(
                method,
                self.url + path,
                json=json,
                params=params,
                headers=self._auth(),
                timeout=aiohttp.ClientTimeout(total=ADMIN_TIMEOUT),
            ) as response:
                body = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise DrillError(
                f"{method} {path} failed: the gateway at {self.url} did not answer "
                f"({type(exc).__name__}); is it running?"
            ) from exc
        if status >= 400:
            message = _error_text(status, body)[1]
            raise DrillError(f"the gateway refused {method} {path} (HTTP {status}): {message}")
        return orjson.loads(body) if body else None

    async def inject_fault(self, **fault: Any) -> dict[str, Any]:
        """``POST /admin/v1/faults``; the stored fault."""
        created: dict[str, Any] = await self.admin("POST", "/admin/v1/faults", json=fault)
        return created

    async def clear_fault(self, fault_id: str) -> None:
        """``DELETE /admin/v1/faults/{id}``."""
        await self.admin("DELETE", f"/admin/v1/faults/{fault_id}")

    async def flag(self, name: str) -> dict[str, Any]:
        """One flag from ``GET /admin/v1/flags``."""
        document = await self.admin("GET", "/admin/v1/flags")
        for entry in document.get("flags", []):
            if entry.get("name") == name:
                return dict(entry)
        raise DrillError(f"the gateway has no flag {name!r}")

    async def set_flag(self, name: str, *, value: Any, reason: str) -> None:
        """``PUT /admin/v1/flags/{name}``."""
        await self.admin("PUT", f"/admin/v1/flags/{name}", json={"value": value, "reason": reason})

    async def clear_flag(self, name: str, reason: str) -> None:
        """``DELETE /admin/v1/flags/{name}``: back to the manifest default."""
        await self.admin("DELETE", f"/admin/v1/flags/{name}", params={"reason": reason})
