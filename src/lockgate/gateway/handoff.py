"""The human hand-off desk: opens tickets and delivers them to the configured webhook.

Opening a ticket is a single insert (on the fallback path only). Delivery runs in the background
with bounded retries; its outcome is recorded on the ticket, and shutdown waits for it briefly.
"""

from __future__ import annotations

import asyncio
import contextlib

import aiohttp
import structlog

from lockgate.store import handoffs
from lockgate.store.db import Store
from lockgate.store.handoffs import Ticket

log = structlog.get_logger("lockgate.handoff")

ATTEMPTS = 3
SHUTDOWN_GRACE = 5.0


class HandoffDesk:
    """Tickets and their delivery."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._session: aiohttp.ClientSession | None = None
        self._pending: set[asyncio.Task[None]] = set()

    async def open(
        self,
        *,
        service: str,
        version: str | None,
        trigger: str,
        conversation: str,
        request_id: str,
        key_id: str | None,
        webhook: str | None,
    ) -> Ticket:
        """Record a ticket and start delivering it."""
        ticket = await asyncio.to_thread(
            handoffs.open_ticket,
            self._store,
            service=service,
            version=version,
            trigger=trigger,
            conversation=conversation,
            request_id=request_id,
            key_id=key_id,
        )
        if webhook:
            task = asyncio.get_running_loop().create_task(self._deliver(ticket, webhook))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        return ticket

    async def _deliver(self, ticket: Ticket, url: str) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5))
        detail = ""
        for attempt in range(1, ATTEMPTS + 1):
            try:
                async with self._session.post(url, json=ticket.as_dict()) as response:
                    if response.status < 300:
                        await asyncio.to_thread(
                            handoffs.mark_delivery, self._store, ticket.id, delivered=True,
                            detail=f"HTTP {response.status}",
                        )  # fmt: skip
                        return
                    detail = f"HTTP {response.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                detail = type(exc).__name__
            await asyncio.sleep(0.2 * 2**attempt)
        log.warning("handoff_delivery_failed", ticket=ticket.id, detail=detail)
        await asyncio.to_thread(
            handoffs.mark_delivery, self._store, ticket.id, delivered=False, detail=detail
        )

    async def close(self) -> None:
        """Wait briefly for deliveries in flight, then close the HTTP session."""
        if self._pending:
            await asyncio.wait(self._pending, timeout=SHUTDOWN_GRACE)
        for task in self._pending:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._session is not None:
            await self._session.close()
            self._session = None
