"""A real gateway for tests: manifest written to disk, runtime built, uvicorn on a free port."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from opentelemetry.sdk.trace.export import SpanExporter

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.gateway.app import create_app
from lockgate.gateway.runtime import Runtime, build_runtime
from lockgate.manifest import load
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.support.servers import serve


def manifest_dict(
    versions: dict[str, str], *, service: str = "support-assistant", stable: str = "v1"
) -> dict[str, Any]:
    """A minimal valid manifest for ``versions`` (name -> upstream URL)."""
    return {
        "service": {"name": service, "stage": "poc"},
        "versions": {
            name: {"upstream": url, "stable": name == stable, "timeout": "2s"}
            for name, url in versions.items()
        },
        "gateway": {"data_dir": "data", "request_log": {"flush_interval": 0.05}},
    }


def write_manifest(folder: Path, data: dict[str, Any]) -> Path:
    """Write ``data`` as lockgate.yaml in ``folder``."""
    path = folder / "lockgate.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class Gateway:
    """A running gateway."""

    url: str
    runtime: Runtime
    manifest_path: Path

    @property
    def store(self) -> Store:
        return self.runtime.store

    def key(
        self,
        *scopes: Scope,
        services: list[str] | None = None,
        expires_in: dt.timedelta | None = None,
    ) -> str:
        """A new key with ``scopes`` (default: invoke)."""
        _, token = manage.create_key(
            self.store,
            actor="test",
            name="test-key",
            scopes=frozenset(scopes or (Scope.INVOKE,)),
            services=services,
            expires_in=expires_in,
        )
        return token


@contextmanager
def running_gateway(
    folder: Path,
    data: dict[str, Any],
    *,
    db_url: str | None = None,
    span_exporter: SpanExporter | None = None,
) -> Iterator[Gateway]:
    """Start a gateway for manifest ``data`` with its store at ``db_url`` (default SQLite).

    Spans go to ``span_exporter`` when given (e.g. an in-memory exporter in tracing tests).
    """
    path = write_manifest(folder, data)
    loaded = load(path)
    store = Store.open(db_url) if db_url else None
    runtime = build_runtime(loaded, store=store, span_exporter=span_exporter)
    migrate.upgrade(runtime.store)
    with serve(create_app(runtime)) as url:
        yield Gateway(url, runtime, path)
