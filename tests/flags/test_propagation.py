"""Propagation to replicas on both backends: within a second, and stale-but-serving on outages.

Each replica is a ``FlagCache`` on its own ``Store`` (its own engine and connections) pointing at
the same database; changes are made through ``set_flag`` on yet another store, as the CLI does.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import event, text

from lockgate.flags import EvaluationContext, Reason
from lockgate.flags.cache import FlagCache
from lockgate.store import flags as stored
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.flags.helpers import KILL, definitions, eventually

CONTEXT = EvaluationContext(key_id="k1", user="user-1")


def _set(store: Store, name: str, value: Any) -> None:
    stored.set_flag(
        store, actor="test", name=name, value=value, reason="test", definitions=definitions()
    )


def _schema(url: str) -> str:
    options = parse_qs(urlsplit(url).query)["options"][0]
    return options.split("search_path=")[1]


def _drop_flag_tables(admin: Store, url: str) -> None:
    with admin.engine.begin() as conn:
        if admin.dialect == "postgresql":
            conn.execute(text(f'DROP SCHEMA "{_schema(url)}" CASCADE'))
        else:
            conn.execute(text("DROP TABLE flag_overrides"))
            conn.execute(text("DROP TABLE flag_epoch"))


def _restore(admin: Store, url: str) -> None:
    if admin.dialect == "postgresql":
        with admin.engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{_schema(url)}"'))
        migrate.upgrade(admin)
        return
    with admin.engine.begin() as conn:
        for table in (stored.FlagOverrideRow.__table__, stored.FlagEpochRow.__table__):
            table.create(conn)
        conn.execute(text("INSERT INTO flag_epoch (id, epoch) VALUES (1, 0)"))


def test_a_change_reaches_every_replica_within_a_second(
    db_url: str, open_store: Callable[[str], Store]
) -> None:
    """Three replicas see each change in under 1 s (PostgreSQL: by notification alone)."""
    admin = open_store(db_url)
    migrate.upgrade(admin)
    postgres = admin.dialect == "postgresql"

    async def scenario() -> list[float]:
        # A 30 s safety poll means only a notification can deliver within 1 s on PostgreSQL.
        caches = [FlagCache(open_store(db_url), definitions(), safety_poll=30.0) for _ in range(3)]
        for cache in caches:
            await cache.start()
        try:
            if postgres:
                await eventually(lambda: all(c.status().listening for c in caches), within=10)
            assert {c.status().mode for c in caches} == {"listen" if postgres else "poll"}
            latencies = []
            for value in (False, True, False):
                started = time.perf_counter()
                await asyncio.to_thread(_set, admin, KILL, value)
                await eventually(
                    lambda v=value: all(
                        c.evaluate(KILL, CONTEXT, default=None).value is v for c in caches
                    ),
                    within=1.0,
                )
                latencies.append(time.perf_counter() - started)
            return latencies
        finally:
            for cache in caches:
                await cache.close()

    latencies = asyncio.run(scenario())
    assert max(latencies) < 1.0, latencies


def test_replicas_keep_last_values_while_the_store_is_gone(
    db_url: str, open_store: Callable[[str], Store]
) -> None:
    """Without its tables a replica serves the last values as STALE, then recovers."""
    admin = open_store(db_url)
    migrate.upgrade(admin)
    _set(admin, "long-context", 60)
    _set(admin, KILL, False)  # noqa: FBT003

    async def scenario() -> None:
        cache = FlagCache(open_store(db_url), definitions(), poll_interval=0.1, safety_poll=0.2)
        await cache.start()
        try:
            before = cache.evaluate(KILL, CONTEXT, default=True)
            assert (before.value, before.reason, cache.stale) == (False, Reason.STATIC, False)

            await asyncio.to_thread(_drop_flag_tables, admin, db_url)
            await eventually(lambda: cache.stale, within=3)
            status = cache.status()
            assert status.stale and status.stale_since is not None and status.last_error
            during = cache.evaluate(KILL, CONTEXT, default=True)
            assert (during.value, during.reason) == (False, Reason.STALE)
            share = cache.get("long-context")
            assert share is not None and share.value == 60

            await asyncio.to_thread(_restore, admin, db_url)  # empty tables: manifest values
            await eventually(lambda: not cache.stale, within=3)
            after = cache.evaluate(KILL, CONTEXT, default=False)
            assert (after.value, after.reason) == (True, Reason.DEFAULT)
            assert cache.status().stale_since is None
        finally:
            await cache.close()

    asyncio.run(scenario())


@pytest.mark.postgres
def test_listener_reconnects_after_its_backend_is_terminated(
    pg_url: str, open_store: Callable[[str], Store]
) -> None:
    """Killing every connection of two replicas: they reconnect and still get changes in 1 s."""
    tag = f"flagtest-{uuid.uuid4().hex[:10]}"
    tagged = f"{pg_url}&application_name={tag}"
    admin = open_store(pg_url)
    migrate.upgrade(admin)

    def terminate() -> int:
        with admin.engine.begin() as conn:
            query = text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE application_name = :tag"
            )
            return int(conn.execute(query, {"tag": tag}).scalar_one())

    async def scenario() -> None:
        caches = [
            FlagCache(open_store(tagged), definitions(), safety_poll=30.0, application_name=tag)
            for _ in range(2)
        ]
        for cache in caches:
            await cache.start()
        try:
            await eventually(lambda: all(c.status().listening for c in caches), within=10)
            assert await asyncio.to_thread(terminate) >= 2
            await eventually(lambda: all(c.status().connections >= 2 for c in caches), within=10)
            await asyncio.to_thread(_set, admin, KILL, False)  # noqa: FBT003
            await eventually(
                lambda: all(c.evaluate(KILL, CONTEXT, default=True).value is False for c in caches),
                within=1.0,
            )
            assert not any(c.stale for c in caches)
        finally:
            for cache in caches:
                await cache.close()

    asyncio.run(scenario())


def test_unreachable_store_at_start_serves_manifest_values_as_stale(tmp_path: Path) -> None:
    """A replica that cannot read the store at all still answers, from the manifest, as STALE."""
    store = Store.open(f"sqlite:///{tmp_path / 'missing' / 'lockgate.db'}")

    async def scenario() -> None:
        cache = FlagCache(store, definitions(), poll_interval=0.05)
        await cache.start()
        try:
            result = cache.evaluate(KILL, CONTEXT, default=False)
            assert (result.value, result.reason) == (True, Reason.STALE)
            missing = cache.evaluate("nope", CONTEXT, default=1)
            assert (missing.value, missing.reason) == (1, Reason.ERROR)
            assert cache.status().epoch is None and cache.status().last_error
        finally:
            await cache.close()

    try:
        asyncio.run(scenario())
    finally:
        store.close()


def test_the_hot_path_sends_no_query(sqlite_url: str, open_store: Callable[[str], Store]) -> None:
    """Thousands of evaluations run zero SQL statements: they read the in-memory snapshot."""
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    _set(store, "long-context", 50)
    cache = FlagCache(store, definitions())
    assert cache.refresh()
    statements: list[str] = []
    event.listen(store.engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    served = sum(
        cache.evaluate("long-context", EvaluationContext(user=f"u{i}"), default=False).value
        for i in range(5000)
    )
    assert statements == []
    assert 2200 < served < 2800
    cache.refresh()
    assert statements  # the listener does see the store's own queries
