"""Shadow traffic: a copy of a request goes to the candidate after the user has their answer.

The candidate's answer is compared with the one the user got (at a JSON pointer, e.g. the
predicted intent) and never returned. Copies run in the background with bounded concurrency;
when the bound is reached the copy is skipped and counted, so shadowing can never slow serving.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import orjson
import structlog

from lockgate.errors import UpstreamError
from lockgate.gateway.upstream import Target, Upstream

log = structlog.get_logger("lockgate.shadow")

MAX_IN_FLIGHT = 32
ShadowResult = Callable[[str, str, bool], None]
"""Called with (service, candidate version, agreed)."""


def pointer(document: Any, path: str) -> Any:
    """The value at JSON pointer ``path`` (RFC 6901), or None when it is absent."""
    if path in {"", "/"}:
        return document
    current = document
    for raw in path.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(current, dict):
            current = current.get(part)
        elif isinstance(current, list) and part.isdigit() and int(part) < len(current):
            current = current[int(part)]
        else:
            return None
    return current


def extract(body: bytes, path: str) -> Any:
    """The value at ``path`` in a JSON body, or None when the body is not JSON."""
    try:
        return pointer(orjson.loads(body), path)
    except orjson.JSONDecodeError:
        return None


class ShadowSender:
    """Sends copies and reports agreement."""

    def __init__(self, upstream: Upstream, on_result: ShadowResult) -> None:
        self._upstream = upstream
        self._on_result = on_result
        self._tasks: set[asyncio.Task[None]] = set()
        self.skipped = 0

    def launch(
        self,
        *,
        service: str,
        target: Target,
        body: bytes,
        headers: dict[str, str],
        reference: bytes,
        compare_at: str,
    ) -> None:
        """Send ``body`` to ``target`` in the background and compare with ``reference``."""
        if len(self._tasks) >= MAX_IN_FLIGHT:
            self.skipped += 1
            return
        task = asyncio.get_running_loop().create_task(
            self._run(service, target, body, headers, reference=reference, compare_at=compare_at)
        )
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _run(
        self,
        service: str,
        target: Target,
        body: bytes,
        headers: dict[str, str],
        *,
        reference: bytes,
        compare_at: str,
    ) -> None:
        try:
            reply = await self._upstream.post(target, body, headers)
        except UpstreamError:
            self._on_result(service, target.version, False)  # noqa: FBT003 - a failure disagrees
            return
        agreed = reply.status == 200 and extract(reply.body, compare_at) == extract(
            reference, compare_at
        )
        try:
            self._on_result(service, target.version, agreed)
        except Exception:  # a broken listener must not surface in serving
            log.exception("shadow_listener_failed")

    async def close(self) -> None:
        """Let copies in flight finish (briefly)."""
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=5)
