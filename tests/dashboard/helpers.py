"""Dashboard test helpers: a migrated runtime, keys, a signed-in client and request-log rows."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.testclient import TestClient

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.dashboard import create_dashboard
from lockgate.gateway.runtime import Runtime, build_runtime
from lockgate.manifest import load
from lockgate.store import migrate
from lockgate.store.db import Store
from lockgate.store.tables import RequestLogEntry
from tests.support.gateway import manifest_dict, write_manifest

SERVICE = "support-assistant"
KILL = f"{SERVICE}.enabled"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_runtime(
    folder: Path, *, db_url: str | None = None, versions: Iterable[str] = ("v1", "v2")
) -> Runtime:
    """A runtime for a two-version manifest; its store (default: SQLite in ``folder``) migrated."""
    data = manifest_dict({name: f"http://127.0.0.1:9/{name}" for name in versions})
    data["flags"] = {"long-context": {"kind": "percentage", "default": 20}}
    store = Store.open(db_url) if db_url else None
    runtime = build_runtime(load(write_manifest(folder, data)), store=store)
    migrate.upgrade(runtime.store)
    assert runtime.flags.refresh()
    return runtime


def new_key(store: Store, *scopes: Scope, name: str = "oncall") -> tuple[str, str]:
    """A new key holding ``scopes``: its id and its token."""
    info, token = manage.create_key(store, actor="test", name=name, scopes=frozenset(scopes))
    return info.id, token


@dataclass
class Clock:
    """A settable clock for session expiry."""

    now: float = field(default_factory=lambda: dt.datetime.now(dt.UTC).timestamp())

    def __call__(self) -> float:
        return self.now


def client(
    runtime: Runtime, clock: Callable[[], float] | None = None, **options: Any
) -> TestClient:
    """An in-process client of the dashboard (redirects are not followed)."""
    app = create_dashboard(
        runtime, secret=secrets.token_bytes(32), clock=clock or Clock(), **options
    )
    return TestClient(app, follow_redirects=False)


def sign_in(browser: TestClient, token: str) -> None:
    """Sign ``browser`` in with ``token``; fails unless the dashboard accepted it."""
    response = browser.post("/ui/login", data={"api_key": token})
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/ui"


def csrf(html: str) -> str:
    """The CSRF token a page's forms carry."""
    match = CSRF.search(html)
    assert match, "the page has no CSRF field"
    return match.group(1)


def log_request(
    store: Store,
    *,
    at: dt.datetime,
    version: str | None,
    latency_ms: float,
    status: int = 200,
    fallback: str | None = None,
    service: str = SERVICE,
) -> None:
    """Write one request-log row as the gateway does."""
    with store.transaction() as session:
        session.add(
            RequestLogEntry(
                request_id=secrets.token_hex(8),
                at=at,
                key_id=None,
                service=service,
                version=version,
                route="chat",
                status=status,
                error_code=None,
                stream=False,
                latency_ms=latency_ms,
                upstream_ms=None,
                prompt_tokens=None,
                completion_tokens=None,
                fallback=fallback,
            )
        )
