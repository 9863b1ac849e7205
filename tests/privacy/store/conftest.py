"""Fixtures of the interaction-store tests: keys in the environment, a manifest, a store."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lockgate.manifest import LoadedManifest, load
from lockgate.privacy.interactions import InteractionSink, open_ring
from lockgate.privacy.kms import DataKeyRing
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.privacy.store.support import HMAC_ENV, KEK_ENV, data_section, new_kek
from tests.support.gateway import manifest_dict, write_manifest


@pytest.fixture
def keys(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A fresh KEK and HMAC secret in the environment."""
    values = {KEK_ENV: new_kek(), HMAC_ENV: base64.b64encode(os.urandom(24)).decode()}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    return values


@pytest.fixture
def write(tmp_path: Path, keys: dict[str, str]) -> Callable[..., LoadedManifest]:
    """Write and load a manifest whose ``data`` section stores payloads (None drops a key)."""

    def factory(**data: Any) -> LoadedManifest:
        manifest = manifest_dict({"v1": "http://127.0.0.1:9"})
        section = data_section(**data)
        manifest["data"] = {key: value for key, value in section.items() if value is not None}
        return load(write_manifest(tmp_path, manifest))

    return factory


@pytest.fixture
def loaded(write: Callable[..., LoadedManifest]) -> LoadedManifest:
    """The default test manifest with retention for every class."""
    return write(retention={"request_log": "30d", "interactions": "30d", "handoffs": "90d"})


@pytest.fixture
def store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    """A migrated store on SQLite or PostgreSQL."""
    opened = open_store(db_url)
    migrate.upgrade(opened)
    return opened


@pytest.fixture
def ring(loaded: LoadedManifest, store: Store) -> DataKeyRing:
    """The data key ring of the test manifest."""
    return open_ring(loaded, store)


@pytest.fixture
def sink(loaded: LoadedManifest, store: Store, ring: DataKeyRing) -> InteractionSink:
    """The interaction sink bound to the test manifest."""
    return InteractionSink(store, lambda: loaded, ring=ring)
