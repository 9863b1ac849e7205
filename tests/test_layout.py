"""Limits a machine enforces: module size, and migrations that match the table models."""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import lockgate
from lockgate.store import migrate
from lockgate.store.db import Store
from lockgate.store.tables import Base

SRC = Path(lockgate.__file__).parent
MAX_LINES = 1000


def test_no_module_grows_past_the_limit() -> None:
    """No module of the package exceeds 1,000 lines: split by responsibility before that."""
    too_long = {
        str(path.relative_to(SRC)): n
        for path in SRC.rglob("*.py")
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert too_long == {}


def test_migrations_create_exactly_the_models(db_url: str) -> None:
    """After `upgrade head` the database matches every table model (no drift either way)."""
    for module in pkgutil.walk_packages([str(SRC / "store")], "lockgate.store."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    store = Store.open(db_url)
    try:
        migrate.upgrade(store)
        with store.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": False})
            diff = compare_metadata(context, Base.metadata)
    finally:
        store.close()
    assert diff == []
