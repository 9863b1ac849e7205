"""Applying injected faults on the request path (only when some are active: one dict lookup)."""

from __future__ import annotations

import asyncio
import random
import time

from lockgate.errors import UpstreamError, UpstreamUnavailable
from lockgate.store.faults import FaultInfo, FaultKind


class InjectedError(UpstreamError):
    """An error injected by a drill."""


class FaultTable:
    """Active faults by (service, version), replaced wholesale by the watcher."""

    def __init__(self, rng: random.Random | None = None) -> None:
        self._by_target: dict[tuple[str, str], tuple[FaultInfo, ...]] = {}
        self._rng = rng or random.Random()

    def replace(self, faults: list[FaultInfo]) -> None:
        """Install the store's current faults."""
        table: dict[tuple[str, str], list[FaultInfo]] = {}
        for fault in faults:
            table.setdefault((fault.service, fault.version), []).append(fault)
        self._by_target = {key: tuple(value) for key, value in table.items()}

    def __bool__(self) -> bool:
        return bool(self._by_target)

    async def apply(self, service: str, version: str) -> None:
        """Delay or fail this request as the active faults say."""
        faults = self._by_target.get((service, version))
        if not faults:
            return
        now = time.time()
        for fault in faults:
            if fault.expires_at.timestamp() <= now or self._rng.random() >= fault.share:
                continue
            if fault.kind is FaultKind.LATENCY:
                await asyncio.sleep(fault.latency_ms / 1000)
            elif fault.kind is FaultKind.ERROR:
                raise InjectedError(
                    f"injected fault {fault.id}: version {version!r} answered HTTP {fault.status}"
                )
            else:
                raise UpstreamUnavailable(
                    f"injected fault {fault.id}: version {version!r} is unreachable"
                )
