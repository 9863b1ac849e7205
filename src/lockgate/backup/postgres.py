"""PostgreSQL backups with ``pg_dump -Fc`` of the store's schema, restored into a scratch database.

The verified restore creates a fresh database on the same server, runs ``pg_restore`` into it and
drops it afterwards, so the live schema is never touched. The connecting role needs CREATEDB.
Passwords go to the tools through ``PGPASSWORD``, never on their command line.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import URL, create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from lockgate.backup.errors import BackupError
from lockgate.store.db import Store

MAGIC = b"PGDMP"
TOOL_TIMEOUT = 1800.0


def tool(name: str) -> str:
    """The path of a PostgreSQL client tool, or a clear error."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} is not on PATH; install the PostgreSQL client tools "
            "(the server's major version or newer) to back up a PostgreSQL store"
        )
    return found


def libpq(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection URI without the password, and the environment carrying it."""
    plain = url.set(drivername="postgresql", password=None)
    env = {"PGPASSWORD": str(url.password)} if url.password else {}
    return plain.render_as_string(hide_password=False), env


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    try:
        done = subprocess.run(
            args,
            env={**os.environ, **env},
            capture_output=True,
            text=True,
            timeout=TOOL_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{what} did not finish within {TOOL_TIMEOUT:g}s") from exc
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise BackupError(f"{what} failed (exit {done.returncode}): {tail}")


def current_schema(store: Store) -> str:
    """The schema the store's tables live in (the first of its search path)."""
    with store.engine.connect() as conn:
        schema = conn.execute(text("SELECT current_schema()")).scalar_one_or_none()
    if not schema:
        raise BackupError("the store's search_path names no existing schema")
    return str(schema)


def dump(store: Store, destination: Path) -> None:
    """``pg_dump -Fc`` of the store's schema to ``destination``, atomically."""
    uri, env = libpq(store.engine.url)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    args = [tool("pg_dump"), "--format=custom", f"--schema={current_schema(store)}"]
    try:
        _run([*args, f"--file={partial}", f"--dbname={uri}"], env, "pg_dump")
        partial.replace(destination)
    finally:
        partial.unlink(missing_ok=True)


@contextmanager
def scratch_database(server: Store) -> Iterator[URL]:
    """A new, empty database on ``server``'s PostgreSQL server, dropped on exit."""
    name = f"lockgate_verify_{secrets.token_hex(6)}"
    admin = server.engine.execution_options(isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except SQLAlchemyError as exc:
        raise BackupError(
            f"cannot create the scratch database {name} ({type(exc).__name__}: {exc}); "
            "the store's role needs CREATEDB to verify a PostgreSQL backup"
        ) from exc
    url = server.engine.url
    query = {k: v for k, v in url.query.items() if k != "options"}
    try:
        yield url.set(database=name, query=query)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def restore(backup_file: Path, scratch: URL) -> URL:
    """``pg_restore`` into the scratch database; its URL with the restored schema searched."""
    uri, env = libpq(scratch)
    args = [tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
    _run([*args, f"--dbname={uri}", str(backup_file)], env, "pg_restore")
    engine = create_engine(scratch.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn:
            schemas = conn.execute(
                text(
                    "SELECT table_schema FROM information_schema.tables "
                    "WHERE table_name = 'audit_log' ORDER BY table_schema"
                )
            ).scalars()
            schema = next(iter(schemas), None)
    finally:
        engine.dispose()
    if schema is None:
        raise BackupError(f"{backup_file} holds no Lockgate tables (no audit_log table)")
    return scratch.set(
        drivername="postgresql+psycopg",
        query={**scratch.query, "options": f"-csearch_path={schema}"},
    )
