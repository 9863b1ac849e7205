"""Every replica's flags: an in-memory snapshot the hot path reads, kept fresh in the background.

``FlagCache.evaluate`` is a dictionary lookup plus the pure evaluation: no I/O, no lock. A
background task replaces the snapshot when the store's flag epoch moves:

- on PostgreSQL it holds a psycopg ``AsyncConnection`` with ``LISTEN lockgate_flags`` and checks the
  epoch on every notification (milliseconds after the change commits) and every ``safety_poll``
  seconds; a lost connection is re-opened with backoff, polling every ``poll_interval`` meanwhile;
- on SQLite it polls the epoch every ``poll_interval`` seconds (0.25 s by default).

When the store cannot be read the cache keeps the last known values, marks itself stale from that
moment (``status().stale_since``) and answers with reason STALE until a read succeeds again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import psycopg
import structlog

from lockgate.errors import StoreError
from lockgate.flags.definitions import with_overrides
from lockgate.flags.evaluate import evaluate
from lockgate.flags.model import EvaluationContext, FlagDefinition, Reason, Resolution
from lockgate.store.db import Store
from lockgate.store.flags import CHANNEL, FlagState, Override, read_epoch, read_snapshot

T = TypeVar("T")
log = structlog.get_logger("lockgate.flags")

MIN_BACKOFF = 0.1
MAX_BACKOFF = 5.0


@dataclass(frozen=True, slots=True)
class CacheStatus:
    """How fresh a replica's flags are."""

    mode: str
    """``listen`` (PostgreSQL notifications) or ``poll``."""
    listening: bool
    connections: int
    """Listener connections opened so far: more than one means it reconnected."""
    epoch: int | None
    loaded_at: dt.datetime | None
    stale: bool
    stale_since: dt.datetime | None
    last_error: str | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form for the admin API."""
        return {
            "mode": self.mode,
            "listening": self.listening,
            "connections": self.connections,
            "epoch": self.epoch,
            "loaded_at": self.loaded_at.isoformat() if self.loaded_at else None,
            "stale": self.stale,
            "stale_since": self.stale_since.isoformat() if self.stale_since else None,
            "last_error": self.last_error,
        }


@dataclass(frozen=True, slots=True)
class _Snapshot:
    epoch: int | None
    flags: Mapping[str, FlagDefinition]
    overrides: Mapping[str, Override]
    loaded_at: dt.datetime | None


class FlagCache:
    """The flags one replica serves; ``start()`` keeps them fresh, ``close()`` stops."""

    def __init__(
        self,
        store: Store,
        definitions: Mapping[str, FlagDefinition],
        *,
        poll_interval: float = 0.25,
        safety_poll: float = 5.0,
        listen: bool | None = None,
        application_name: str = "lockgate-flags",
    ) -> None:
        self._store = store
        self._definitions = dict(definitions)
        self._snapshot = _Snapshot(None, self._definitions, {}, None)
        self._poll_interval = poll_interval
        self._safety_poll = safety_poll
        self._listen = store.dialect == "postgresql" if listen is None else listen
        self._application_name = application_name
        self._lock = threading.Lock()
        self._stale_since: dt.datetime | None = None
        self._last_error: str | None = None
        self._listening = False
        self._connections = 0
        self._backoff = MIN_BACKOFF
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- the hot path: no I/O ------------------------------------------------------------------

    def evaluate(self, name: str, context: EvaluationContext, default: T) -> Resolution[T]:
        """The value of flag ``name`` for ``context``; never raises, never waits."""
        resolution = evaluate(self._snapshot.flags.get(name), context, default)
        if self._stale_since is not None and resolution.reason is not Reason.ERROR:
            return resolution.as_stale()
        return resolution

    def get(self, name: str) -> FlagDefinition | None:
        """Flag ``name`` as currently served, override applied."""
        return self._snapshot.flags.get(name)

    @property
    def definitions(self) -> Mapping[str, FlagDefinition]:
        """The declared flags (manifest defaults, no overrides): what may be set."""
        return self._definitions

    def states(self) -> list[FlagState]:
        """Every flag as currently served, with its override, by name."""
        snapshot = self._snapshot
        return [
            FlagState(snapshot.flags[name], snapshot.overrides.get(name))
            for name in sorted(snapshot.flags)
        ]

    @property
    def stale(self) -> bool:
        """True while the store cannot be read: values are the last known ones."""
        return self._stale_since is not None

    def status(self) -> CacheStatus:
        """Mode, epoch, last load and staleness."""
        snapshot = self._snapshot
        return CacheStatus(
            mode="listen" if self._listen else "poll",
            listening=self._listening,
            connections=self._connections,
            epoch=snapshot.epoch,
            loaded_at=snapshot.loaded_at,
            stale=self._stale_since is not None,
            stale_since=self._stale_since,
            last_error=self._last_error,
        )

    # -- loading -------------------------------------------------------------------------------

    def refresh(self) -> bool:
        """Reload if the epoch moved (blocking: run it in a thread); False when the store failed."""
        with self._lock:
            try:
                if read_epoch(self._store) != self._snapshot.epoch:
                    snapshot = read_snapshot(self._store)
                    overrides = {name: item.value for name, item in snapshot.overrides.items()}
                    self._snapshot = _Snapshot(
                        snapshot.epoch,
                        with_overrides(self._definitions, overrides),
                        snapshot.overrides,
                        dt.datetime.now(dt.UTC),
                    )
            except StoreError as exc:
                self._failed(exc.message)
                return False
            if self._stale_since is not None:
                log.info("flags_fresh_again", stale_since=self._stale_since.isoformat())
            self._stale_since = None
            self._last_error = None
            return True

    def _failed(self, message: str) -> None:
        # The error first: a reader that sees the cache stale must also see why.
        self._last_error = message
        if self._stale_since is None:
            self._stale_since = dt.datetime.now(dt.UTC)
            log.warning("flags_stale", error=message, keeping_epoch=self._snapshot.epoch)

    # -- background ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Load now (stale, with manifest values, if the store fails) and keep fresh from then."""
        if self._task is not None:
            return
        self._stop.clear()
        await asyncio.to_thread(self.refresh)
        runner = self._listen_forever() if self._listen else self._poll_until_stopped()
        self._task = asyncio.get_running_loop().create_task(runner, name="flag-cache")

    async def close(self) -> None:
        """Stop the background task and its connection."""
        self._stop.set()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._listening = False

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), seconds)

    async def _poll_until_stopped(self, seconds: float | None = None) -> None:
        loop = asyncio.get_running_loop()
        until = None if seconds is None else loop.time() + seconds
        while not self._stop.is_set() and (until is None or loop.time() < until):
            left = self._poll_interval if until is None else until - loop.time()
            await self._sleep(max(0.0, min(self._poll_interval, left)))
            await self._refresh_in_background()

    async def _refresh_in_background(self) -> None:
        try:
            await asyncio.to_thread(self.refresh)
        except Exception as exc:  # a background loop must survive the unexpected, loudly
            log.exception("flag_refresh_failed")
            with self._lock:
                self._failed(f"{type(exc).__name__}: {exc}")

    def _conninfo(self) -> str:
        url = self._store.engine.url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def _listen_forever(self) -> None:
        while not self._stop.is_set():
            try:
                await self._listen_once()
            except (psycopg.Error, OSError) as exc:
                self._listening = False
                log.warning("flag_listener_lost", error=str(exc).strip(), retry_in=self._backoff)
                await self._poll_until_stopped(self._backoff)
                self._backoff = min(self._backoff * 2, MAX_BACKOFF)
            except Exception:  # a background loop must survive the unexpected, loudly
                self._listening = False
                log.exception("flag_listener_failed", retry_in=MAX_BACKOFF)
                await self._poll_until_stopped(MAX_BACKOFF)

    async def _listen_once(self) -> None:
        connection = await psycopg.AsyncConnection.connect(
            self._conninfo(),
            autocommit=True,
            application_name=self._application_name,
            connect_timeout=5,
        )
        async with connection:
            await connection.execute(f"LISTEN {CHANNEL}")
            self._listening = True
            self._connections += 1
            self._backoff = MIN_BACKOFF
            await self._refresh_in_background()  # whatever changed while nobody listened
            while not self._stop.is_set():
                async for _ in connection.notifies(timeout=self._safety_poll, stop_after=1):
                    pass
                await self._refresh_in_background()
