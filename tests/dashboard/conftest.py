"""Fixtures of the dashboard tests: a migrated runtime, closed after each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lockgate.gateway.runtime import Runtime
from tests.dashboard.helpers import make_runtime


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime for a two-version manifest with a migrated SQLite store."""
    built = make_runtime(tmp_path)
    yield built
    built.store.close()


@pytest.fixture
def any_runtime(tmp_path: Path, db_url: str) -> Iterator[Runtime]:
    """The same runtime on SQLite and on PostgreSQL."""
    built = make_runtime(tmp_path, db_url=db_url)
    yield built
    built.store.close()
