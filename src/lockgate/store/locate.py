"""Where a manifest's data lives: the data dir and the database URL."""

from __future__ import annotations

from pathlib import Path

from lockgate.manifest import LoadedManifest
from lockgate.manifest.secrets import resolve
from lockgate.store import db
from lockgate.store.db import Store


def data_dir(loaded: LoadedManifest) -> Path:
    """The data dir, relative to the manifest's folder unless absolute."""
    path = Path(loaded.manifest.gateway.data_dir)
    return path if path.is_absolute() else loaded.base_dir / path


def database_url(loaded: LoadedManifest) -> str:
    """The configured database URL (secret references resolved) or SQLite in the data dir."""
    configured = loaded.manifest.gateway.database_url
    if configured:
        return resolve(configured, base_dir=loaded.base_dir)
    return db.default_url(data_dir(loaded))


def open_store(loaded: LoadedManifest) -> Store:
    """The store the manifest points at."""
    return Store.open(database_url(loaded))
