"""A fresh PostgreSQL schema for one benchmark run, dropped again at the end."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

import psycopg
from psycopg import sql

DEFAULT_BASE = "postgresql://postgres@127.0.0.1:5432/test"


def reachable(base_url: str) -> str | None:
    """None when ``base_url`` accepts a connection, else why not."""
    try:
        with psycopg.connect(base_url, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc) else ''}"
    return None


@contextlib.contextmanager
def fresh_schema(base_url: str, prefix: str = "bench") -> Iterator[str]:
    """Create a schema, yield a URL whose ``search_path`` is that schema, drop it on exit."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    name = sql.Identifier(schema)
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(name))
    try:
        yield f"{base_url}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(base_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(name))
