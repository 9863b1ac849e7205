"""Through a real gateway: planted PII in requests and echoed answers never reaches the database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from lockgate.admin.app import create_admin
from lockgate.admin.interactions import router
from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import build_runtime
from lockgate.manifest import LoadedManifest
from lockgate.privacy.interactions import InteractionSink, list_interactions, pseudonymizer_for
from lockgate.store import interactions as repo
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord
from tests.privacy.store.echo import echo_upstream
from tests.privacy.store.support import (
    EMAIL,
    FRAGMENT,
    MESSAGE,
    PLANTED,
    SERVICE,
    SQLITE_ONLY,
    chat,
    completion,
    data_section,
    leaks,
    raw_dump,
    record,
)
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve, wait_until


@pytest.fixture
def gateway(tmp_path: Path, db_url: str, keys: dict[str, str]) -> Iterator[Gateway]:
    """A gateway in front of the echoing upstream, storing payloads."""
    with serve(echo_upstream) as upstream:
        data = manifest_dict({"v1": upstream}, service=SERVICE)
        data["data"] = data_section()
        with running_gateway(tmp_path, data, db_url=db_url) as gw:
            runtime = gw.runtime
            wired = any(isinstance(s, InteractionSink) for s in runtime.request_log._sinks)
            if not wired:
                runtime.request_log.add_sink(InteractionSink(runtime.store, lambda: runtime.loaded))
            yield gw


def _stored(store: Store) -> int:
    with store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(repo.InteractionRow)) or 0)


def test_traffic_with_planted_pii_leaves_no_trace(db_url: str, gateway: Gateway) -> None:
    """Plain and streamed chats with PII (echoed back) are stored, and none of it is readable."""
    headers = {
        "authorization": f"Bearer {gateway.key()}",
        "x-lockgate-tenant": "acme",
        "x-lockgate-user": EMAIL,
    }
    body = {"model": SERVICE, "messages": [{"role": "user", "content": MESSAGE}]}
    plain = httpx.post(gateway.url + "/v1/chat/completions", json=body, headers=headers)
    assert plain.status_code == 200, plain.text
    assert EMAIL in plain.text  # the echo really carried it through the gateway
    with httpx.stream(
        "POST", gateway.url + "/v1/chat/completions", json={**body, "stream": True}, headers=headers
    ) as streamed:
        assert streamed.status_code == 200
        assert b"[DONE]" in b"".join(streamed.iter_bytes())
    wait_until(lambda: _stored(gateway.store) == 2)

    dump = raw_dump(gateway.store, db_url)
    assert leaks(dump, PLANTED) == []
    assert FRAGMENT.encode() not in dump

    token = pseudonymizer_for(gateway.runtime.loaded).of("acme", "EMAIL", EMAIL).token
    found = list_interactions(gateway.store)
    assert {item.stream for item in found} == {True, False}
    assert {item.conversation for item in found} == {f"<{token}>"}
    assert {item.revision for item in found} == {gateway.runtime.loaded.revision}


@pytest.fixture
def admin(
    write: Callable[..., LoadedManifest], store: Store
) -> Iterator[tuple[TestClient, LoadedManifest]]:
    """The admin API with the interactions router, over an in-process client."""
    loaded = write()
    runtime = build_runtime(loaded, store=store)
    app = create_admin(runtime)
    app.include_router(router)
    with TestClient(app) as client:
        yield client, loaded


def _key(store: Store, *scopes: Scope) -> dict[str, str]:
    _, token = manage.create_key(store, actor="test", name="ops", scopes=frozenset(scopes))
    return {"authorization": f"Bearer {token}"}


@SQLITE_ONLY
def test_admin_read_needs_the_scope_and_is_audited(
    store: Store, admin: tuple[TestClient, LoadedManifest]
) -> None:
    """interactions:read decrypts the redacted payload and is audited; other keys get 403."""
    client, loaded = admin
    InteractionSink(store, lambda: loaded)([record(chat(f"I am {EMAIL}"), completion("ok"))])
    [item] = list_interactions(store)
    reader = _key(store, Scope.INTERACTIONS_READ)

    listed = client.get("/admin/v1/interactions", headers=reader)
    assert [row["id"] for row in listed.json()] == [item.id]
    assert listed.json()[0]["payload"] is None

    shown = client.get(f"/admin/v1/interactions/{item.id}", headers=reader)
    assert shown.status_code == 200, shown.text
    content = shown.json()["payload"]["request"]["messages"][0]["content"]
    token = pseudonymizer_for(loaded).of("acme", "EMAIL", EMAIL).token
    assert content == f"I am <{token}>"
    assert EMAIL not in shown.text

    denied = client.get(f"/admin/v1/interactions/{item.id}", headers=_key(store, Scope.AUDIT_READ))
    assert denied.status_code == 403
    missing = client.get("/admin/v1/interactions/ix_nope", headers=reader)
    assert missing.status_code == 404
    with store.transaction() as session:
        reads = list(
            session.scalars(select(AuditRecord).where(AuditRecord.action == "interactions.read"))
        )
    assert [(r.target, r.actor.startswith("key:")) for r in reads] == [(item.id, True)]
