"""Least privilege: every admin route, with every scope and with no key."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lockgate.admin.app import create_admin
from lockgate.auth.scopes import Scope
from lockgate.store import faults
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve
from tests.support.upstream import ScriptedUpstream

#: The one scope each admin route needs; a new route must be added here to pass.
REQUIRED = {
    ("GET", "/admin/v1/keys"): Scope.KEYS_ADMIN,
    ("POST", "/admin/v1/keys"): Scope.KEYS_ADMIN,
    ("DELETE", "/admin/v1/keys/{key_id}"): Scope.KEYS_ADMIN,
    ("GET", "/admin/v1/audit"): Scope.AUDIT_READ,
    ("GET", "/admin/v1/faults"): Scope.METRICS_READ,
    ("POST", "/admin/v1/faults"): Scope.ROLLOUTS_WRITE,
    ("DELETE", "/admin/v1/faults/{fault_id}"): Scope.ROLLOUTS_WRITE,
    ("GET", "/admin/v1/flags"): Scope.FLAGS_READ,
    ("PUT", "/admin/v1/flags/{name}"): Scope.FLAGS_WRITE,
    ("DELETE", "/admin/v1/flags/{name}"): Scope.FLAGS_WRITE,
    ("GET", "/admin/v1/rollouts"): Scope.METRICS_READ,
    ("GET", "/admin/v1/rollouts/{service_name}"): Scope.METRICS_READ,
    ("POST", "/admin/v1/rollouts"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/pause"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/resume"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/abort"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/rollback"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/promote"): Scope.ROLLOUTS_WRITE,
    ("POST", "/admin/v1/rollouts/{service_name}/approve"): Scope.ROLLOUTS_APPROVE,
    ("GET", "/admin/v1/interactions"): Scope.INTERACTIONS_READ,
    ("GET", "/admin/v1/interactions/{interaction_id}"): Scope.INTERACTIONS_READ,
}
BODIES = {
    ("POST", "/admin/v1/keys"): {"name": "matrix", "scopes": ["invoke"]},
    ("PUT", "/admin/v1/flags/{name}"): {"value": True, "reason": "matrix"},
    ("POST", "/admin/v1/rollouts"): {"service": "support-assistant", "version": "v1"},
    ("POST", "/admin/v1/faults"): {
        "service": "support-assistant",
        "version": "v1",
        "kind": "latency",
        "share": 0.01,
        "latency_ms": 1,
        "ttl": "1s",
    },
}


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    upstream = ScriptedUpstream()
    with serve(upstream) as url:
        folder = tmp_path_factory.mktemp("authz")
        with running_gateway(folder, manifest_dict({"v1": url})) as gw:
            yield gw


def _fill(gw: Gateway, path: str) -> str:
    """Replace path parameters with ids of objects that exist."""
    if "{key_id}" in path:
        return path.replace("{key_id}", gw.key(Scope.INVOKE).split("_")[1])
    if "{fault_id}" in path:
        fault = faults.inject(
            gw.store,
            actor="test",
            service="support-assistant",
            version="v1",
            kind=faults.FaultKind.LATENCY,
            share=0.01,
            ttl=5,
            latency_ms=1,
        )
        return path.replace("{fault_id}", fault.id)
    if "{interaction_id}" in path:
        return path.replace("{interaction_id}", "missing")
    if "{service_name}" in path:
        return path.replace("{service_name}", "support-assistant")
    if "{name}" in path:
        return path.replace("{name}", "support-assistant.enabled") + "?reason=matrix"
    return path


def _routes(gw: Gateway) -> list[tuple[str, str]]:
    spec = create_admin(gw.runtime).openapi()
    return sorted(
        (method.upper(), path) for path, methods in spec["paths"].items() for method in methods
    )


def test_every_admin_route_declares_its_scope(gateway: Gateway) -> None:
    """The matrix below covers every admin route, so no route escapes the check."""
    assert sorted(REQUIRED) == _routes(gateway)


@pytest.mark.parametrize("scope", [None, *Scope])
def test_matrix(gateway: Gateway, scope: Scope | None) -> None:
    """Each route admits exactly the keys holding its scope; others get 403, no key 401.

    The create and flag routes answer 200/201 here; rollout actions may answer 404/409 because
    no rollout runs, which still proves the key was admitted.
    """
    headers = {}
    if scope is not None:
        headers["authorization"] = f"Bearer {gateway.key(scope)}"
    for (method, path), needed in REQUIRED.items():
        url = gateway.url + _fill(gateway, path)
        response = httpx.request(method, url, headers=headers, json=BODIES.get((method, path)))
        assert response.headers["content-type"].startswith("application/json")
        if scope is None:
            assert response.status_code == 401, (method, path)
        elif scope == needed and path.startswith(("/admin/v1/rollouts", "/admin/v1/interactions/")):
            # admitted: the route ran (its own answer may be a 404 or 409 for this state)
            assert response.status_code not in {401, 403}, (method, path, response.text)
            assert response.status_code < 500, (method, path, response.text)
        elif scope == needed:
            assert response.status_code in {200, 201}, (method, path, response.text)
        else:
            assert response.status_code == 403, (method, path, scope)
            assert response.json()["error"]["code"] == "permission_denied"


def test_openapi_document_is_served(gateway: Gateway) -> None:
    """The admin OpenAPI document is public at /admin/openapi.json and lists the key routes."""
    spec = httpx.get(gateway.url + "/admin/openapi.json").json()
    assert "/admin/v1/keys" in spec["paths"]
    assert "/admin/v1/keys/{key_id}" in spec["paths"]
