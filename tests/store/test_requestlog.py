"""The request log writer: batched, bounded, explicit on overflow, flushed on close, retrying."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from prometheus_client import CollectorRegistry
from sqlalchemy import func, select

from lockgate.manifest.gateway import Overflow, RequestLogSettings
from lockgate.monitor.metrics import GatewayMetrics
from lockgate.store import migrate
from lockgate.store.db import Store
from lockgate.store.requestlog import RequestLogWriter, RequestRecord
from lockgate.store.tables import RequestLogEntry


def _record(index: int) -> RequestRecord:
    return RequestRecord(
        request_id=f"r{index:06d}",
        at=time.time(),
        key_id="k",
        service="s",
        version="v1",
        route="chat",
        status=200,
        error_code=None,
        stream=False,
        latency_ms=1.0,
        upstream_ms=0.5,
        prompt_tokens=3,
        completion_tokens=2,
        fallback=None,
    )


def _count(store: Store) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(RequestLogEntry)) or 0)


def _writer(store: Store, **settings: object) -> tuple[RequestLogWriter, GatewayMetrics]:
    metrics = GatewayMetrics(CollectorRegistry())
    config = RequestLogSettings.model_validate({"flush_interval": 0.01, **settings})
    return RequestLogWriter(store, config, metrics), metrics


def test_close_flushes_everything(db_url: str, open_store: Callable[[str], Store]) -> None:
    """Every submitted record is in the table after close, in batches."""
    store = open_store(db_url)
    migrate.upgrade(store)
    writer, metrics = _writer(store, batch_size=64)
    batches: list[int] = []
    writer.add_sink(lambda batch: batches.append(len(batch)))

    async def scenario() -> None:
        writer.start()
        for index in range(1000):
            assert writer.submit(_record(index)) is None
            if index % 100 == 0:
                await asyncio.sleep(0)
        await writer.close()

    asyncio.run(scenario())
    assert _count(store) == 1000
    assert sum(batches) == 1000 and max(batches) <= 64
    assert metrics.registry.get_sample_value("lockgate_request_log_written_total") == 1000


def test_drop_policy_counts_what_it_drops(
    sqlite_url: str, open_store: Callable[[str], Store]
) -> None:
    """With overflow: drop, records beyond the queue are dropped and counted, not silently lost."""
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    writer, metrics = _writer(store, queue_size=10, overflow=Overflow.DROP)

    async def scenario() -> None:
        for index in range(25):
            writer.submit(_record(index))
        writer.start()
        await writer.close()

    asyncio.run(scenario())
    dropped = metrics.registry.get_sample_value("lockgate_request_log_dropped_total")
    assert _count(store) == 10 and dropped == 15


def test_block_policy_loses_nothing(sqlite_url: str, open_store: Callable[[str], Store]) -> None:
    """With overflow: block, producers wait for room and every record is written."""
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    writer, metrics = _writer(store, queue_size=8, batch_size=4)

    async def scenario() -> int:
        writer.start()
        waited = 0
        for index in range(200):
            pending = writer.submit(_record(index))
            if pending is not None:
                waited += 1
                await pending
        await writer.close()
        return waited

    waited = asyncio.run(scenario())
    assert waited > 0
    assert _count(store) == 200
    assert metrics.registry.get_sample_value("lockgate_request_log_dropped_total") == 0


def test_failed_writes_are_retried_until_the_store_recovers(
    pg_url: str, open_store: Callable[[str], Store]
) -> None:
    """A batch that cannot be written (no tables yet) is retried, not lost, once the store heals."""
    store = open_store(pg_url)
    writer, metrics = _writer(store)

    async def scenario() -> None:
        writer.start()
        for index in range(50):
            writer.submit(_record(index))
        deadline = time.monotonic() + 10
        while metrics.registry.get_sample_value("lockgate_request_log_write_failures_total") == 0:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.02)
        await asyncio.to_thread(migrate.upgrade, store)
        await writer.close()

    asyncio.run(scenario())
    assert _count(store) == 50
