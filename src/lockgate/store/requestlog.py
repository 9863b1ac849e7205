"""The request log: one metadata row per request, written off the hot path in batches.

The hot path calls ``submit`` (a list append). A background task moves batches to a worker thread
that inserts them with one ``executemany``. The queue is bounded; when it is full the configured
overflow policy applies and is counted: ``block`` makes the request wait for room (nothing is lost),
``drop`` drops the record and counts it. A batch that fails to write is retried with backoff and
never discarded; ``close`` flushes everything before shutdown.

Sinks registered with ``add_sink`` receive every written batch in the worker thread: this is where
payload storage, drift and quality monitors attach without touching the hot path.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog

from lockgate.manifest.gateway import Overflow, RequestLogSettings
from lockgate.monitor.metrics import GatewayMetrics
from lockgate.store.db import Store
from lockgate.store.tables import RequestLogEntry

log = structlog.get_logger("lockgate.requestlog")

MAX_BACKOFF = 5.0


@dataclass(slots=True)
class RequestRecord:
    """What the gateway knows about a finished request."""

    request_id: str
    at: float
    key_id: str | None
    service: str | None
    version: str | None
    route: str
    status: int
    error_code: str | None
    stream: bool
    latency_ms: float
    upstream_ms: float | None
    prompt_tokens: int | None
    completion_tokens: int | None
    fallback: str | None
    trace_id: str | None = None
    label: str | None = None
    """The answer's categorical output (``monitors.output.label``), e.g. the predicted intent."""
    confidence: float | None = None
    finish_reason: str | None = None
    prompt_text: str | None = None
    """The last user message, only when drift monitoring needs it; never written by this log."""
    tenant: str | None = None
    conversation: str | None = None
    request_body: bytes | None = None
    """Raw request payload, only when ``data.store_payloads`` is on; never written by this log."""
    response_body: bytes | None = None
    """Raw response payload (streams: the joined SSE bytes), under the same condition."""


BatchSink = Callable[[Sequence[RequestRecord]], None]

_COLUMNS = (
    "request_id", "at", "key_id", "service", "version", "route", "status", "error_code", "stream",
    "latency_ms", "upstream_ms", "prompt_tokens", "completion_tokens", "fallback", "label",
)  # fmt: skip
_INSERT = (  # fixed identifiers only; values are bound parameters
    f"INSERT INTO {RequestLogEntry.__tablename__} ({', '.join(_COLUMNS)}) VALUES ({{values}})"  # noqa: S608
)


def _aware_time(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


def _sqlite_time(epoch: float) -> str:
    """The text form SQLAlchemy stores and reads back for SQLite datetimes (UTC)."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class RequestLogWriter:
    """Bounded queue plus a batching background writer."""

    def __init__(self, store: Store, settings: RequestLogSettings, metrics: GatewayMetrics) -> None:
        self._store = store
        self._settings = settings
        self._metrics = metrics
        self._buffer: list[RequestRecord] = []
        self._sinks: list[BatchSink] = []
        self._wake = asyncio.Event()
        self._room = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    def add_sink(self, sink: BatchSink) -> None:
        """Call ``sink`` with every written batch (in the writer thread; must not block long)."""
        self._sinks.append(sink)

    @property
    def depth(self) -> int:
        """Records waiting to be written."""
        return len(self._buffer)

    def submit(self, record: RequestRecord) -> asyncio.Future[None] | None:
        """Queue ``record``; returns an awaitable only when the request must wait for room."""
        if len(self._buffer) < self._settings.queue_size:
            self._buffer.append(record)
            if len(self._buffer) >= self._settings.batch_size:
                self._wake.set()
            return None
        if self._settings.overflow is Overflow.DROP:
            self._metrics.log_dropped.inc()
            return None
        return asyncio.ensure_future(self._submit_when_room(record))

    async def _submit_when_room(self, record: RequestRecord) -> None:
        while len(self._buffer) >= self._settings.queue_size:
            self._wake.set()
            self._room.clear()
            await self._room.wait()
        self._buffer.append(record)

    def start(self) -> None:
        """Start the background writer on the running loop."""
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run(), name="request-log")

    async def close(self) -> None:
        """Write everything queued, then stop."""
        self._closing = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _run(self) -> None:
        backoff = 0.1
        while True:
            if not self._buffer:
                if self._closing:
                    return
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._settings.flush_interval)
                self._wake.clear()
                continue
            batch = self._buffer[: self._settings.batch_size]
            self._metrics.log_queue.set(len(self._buffer))
            try:
                await asyncio.to_thread(self._write, batch)
            except Exception:
                self._metrics.log_failures.inc()
                log.exception("request_log_write_failed", batch=len(batch), retry_in=backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF)
                continue
            backoff = 0.1
            del self._buffer[: len(batch)]
            self._metrics.log_queue.set(len(self._buffer))
            self._room.set()

    def _write(self, batch: Sequence[RequestRecord]) -> None:
        # One driver-level executemany of plain tuples: the cheapest insert there is, which
        # matters because this thread shares the GIL with the event loop.
        sqlite = self._store.dialect == "sqlite"
        stamp = _sqlite_time if sqlite else _aware_time
        rows = [
            (
                r.request_id, stamp(r.at), r.key_id, r.service, r.version, r.route, r.status,
                r.error_code, r.stream, r.latency_ms, r.upstream_ms, r.prompt_tokens,
                r.completion_tokens, r.fallback, r.label,
            )
            for r in batch
        ]  # fmt: skip
        marker = "?" if self._store.engine.dialect.paramstyle == "qmark" else "%s"
        sql = _INSERT.format(values=", ".join([marker] * len(_COLUMNS)))
        with self._store.engine.begin() as conn:
            conn.exec_driver_sql(sql, rows)
        self._metrics.log_written.inc(len(rows))
        for sink in self._sinks:
            try:
                sink(batch)
            except Exception:
                log.exception("request_log_sink_failed", sink=getattr(sink, "__name__", repr(sink)))


def log_requests(batch: Sequence[RequestRecord]) -> None:
    """A sink writing one structured log line per request: metadata only, never payloads."""
    for r in batch:
        log.info(
            "request",
            request_id=r.request_id,
            trace_id=r.trace_id,
            key_id=r.key_id,
            service=r.service,
            version=r.version,
            route=r.route,
            status=r.status,
            error=r.error_code,
            latency_ms=round(r.latency_ms, 3),
            upstream_ms=round(r.upstream_ms, 3) if r.upstream_ms is not None else None,
            fallback=r.fallback,
            stream=r.stream,
        )
