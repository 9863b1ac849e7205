"""Apply Alembic migrations: on gateway start and by ``lockgate db upgrade``.

On PostgreSQL an advisory lock makes replicas that start together migrate one at a time.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from lockgate.store.db import Store

MIGRATIONS = Path(__file__).with_name("migrations")
_LOCK_ID = 0x10C6A7E  # advisory lock id reserved for migrations


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision shipped with this release."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    if revision is None:  # pragma: no cover - the package always ships migrations
        raise RuntimeError("no migrations found")
    return revision


def current(store: Store) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(store: Store, revision: str = "head") -> None:
    """Bring the database to ``revision`` (default: the newest)."""
    config = _config()
    with store.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": _LOCK_ID})
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
