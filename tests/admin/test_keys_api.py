"""The keys admin API: create, list, revoke, each audited; bad input is a 4xx JSON error."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lockgate.auth.scopes import Scope
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.upstream import ScriptedUpstream

GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def gateway(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], db_url: str
) -> Iterator[Gateway]:
    _, url = scripted
    with running_gateway(tmp_path, manifest_dict({"v1": url}), db_url=db_url) as gw:
        yield gw


def test_create_use_revoke_with_audit(gateway: Gateway) -> None:
    """A key made through the API works at once, stops at revocation, and both are audited."""
    admin = {"authorization": f"Bearer {gateway.key(Scope.KEYS_ADMIN, Scope.AUDIT_READ)}"}
    created = httpx.post(
        gateway.url + "/admin/v1/keys",
        json={
            "name": "web",
            "scopes": ["invoke"],
            "services": ["support-assistant"],
            "expires_in": "30d",
        },
        headers=admin,
    )
    assert created.status_code == 201, created.text
    token = created.json()["token"]
    key = created.json()["key"]
    assert key["services"] == ["support-assistant"]
    assert key["expires_at"] is not None
    assert "secret" not in str(key) and token not in str(key)

    user = {"authorization": f"Bearer {token}"}
    assert (
        httpx.post(gateway.url + "/v1/chat/completions", json=GOOD, headers=user).status_code == 200
    )

    listed = httpx.get(gateway.url + "/admin/v1/keys", headers=admin).json()
    assert key["id"] in {k["id"] for k in listed}
    assert token not in str(listed)

    revoked = httpx.delete(gateway.url + f"/admin/v1/keys/{key['id']}", headers=admin)
    assert revoked.status_code == 200
    assert revoked.json()["active"] is False
    again = httpx.post(gateway.url + "/v1/chat/completions", json=GOOD, headers=user)
    assert again.status_code == 401

    audit = httpx.get(gateway.url + "/admin/v1/audit", headers=admin).json()
    actions = [(r["action"], r["target"]) for r in audit]
    assert ("key.revoke", f"key:{key['id']}") in actions
    assert ("key.create", f"key:{key['id']}") in actions
    assert token not in str(audit)
    revoke = next(r for r in audit if r["action"] == "key.revoke")
    assert revoke["before"]["active"] is True and revoke["after"]["active"] is False
    assert revoke["actor"].startswith("key:")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "x", "scopes": ["root"]}, 400, "invalid_request_error"),
        ({"name": "x"}, 400, "missing_field"),
        ({"name": "x", "scopes": []}, 400, "invalid_request_error"),
        ({"name": "x", "scopes": ["invoke"], "expires_in": "soon"}, 400, "invalid_request_error"),
        ({"name": "x", "scopes": ["invoke"], "extra": 1}, 400, "invalid_request_error"),
    ],
)
def test_bad_key_requests(
    gateway: Gateway, body: dict[str, object], status: int, code: str
) -> None:
    """Invalid key requests are 400 with a JSON error naming the field."""
    admin = {"authorization": f"Bearer {gateway.key(Scope.KEYS_ADMIN)}"}
    response = httpx.post(gateway.url + "/admin/v1/keys", json=body, headers=admin)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_malformed_json_and_unknown_key(gateway: Gateway) -> None:
    """A non-JSON body is 400 and revoking an unknown id is 404, both JSON."""
    admin = {"authorization": f"Bearer {gateway.key(Scope.KEYS_ADMIN)}"}
    response = httpx.post(
        gateway.url + "/admin/v1/keys",
        content=b"{oops",
        headers={**admin, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert "error" in response.json()
    missing = httpx.delete(gateway.url + "/admin/v1/keys/ffffffffffff", headers=admin)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
