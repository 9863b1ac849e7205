"""Fixtures for the alert tests: a migrated store and a recording loopback receiver."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alerts_support import Receiver

from lockgate.store import migrate
from lockgate.store.db import Store
from tests.support.servers import serve


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    """A migrated store on SQLite and on PostgreSQL."""
    opened = open_store(db_url)
    migrate.upgrade(opened)
    return opened


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    """A recording HTTP receiver on loopback and its base URL."""
    recording = Receiver()
    with serve(recording.app()) as url:
        yield recording, url
