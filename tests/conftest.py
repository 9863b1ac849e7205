"""Shared fixtures: real databases (SQLite and PostgreSQL) and real loopback servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from lockgate.store.db import Store, normalize_url
from tests.support.servers import serve
from tests.support.upstream import ScriptedUpstream

PG_BASE = os.environ.get("LOCKGATE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema in the `test` database."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = create_engine(normalize_url(PG_BASE))
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_BASE}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A SQLite file in the test's temporary folder."""
    return f"sqlite:///{tmp_path / 'lockgate.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each storage test runs on both backends."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'lockgate.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def open_store() -> Iterator[Callable[[str], Store]]:
    """Open stores by URL; all are closed when the test ends."""
    opened: list[Store] = []

    def factory(url: str) -> Store:
        store = Store.open(url)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


@pytest.fixture
def scripted() -> Iterator[tuple[ScriptedUpstream, str]]:
    """A scriptable upstream on loopback and its URL."""
    upstream = ScriptedUpstream()
    with serve(upstream) as url:
        yield upstream, url
