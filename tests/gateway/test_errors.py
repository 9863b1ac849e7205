"""Every error path of the data plane answers with its status and an OpenAI-shaped JSON body."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from lockgate.auth.scopes import Scope
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import free_port
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
GOOD = {"model": "support-assistant", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def gateway(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str]
) -> Iterator[tuple[Gateway, ScriptedUpstream]]:
    upstream, url = scripted
    data = manifest_dict({"v1": url, "down": f"http://127.0.0.1:{free_port()}"})
    data["versions"]["v1"]["timeout"] = "0.5s"
    data["gateway"]["max_body"] = "4KiB"
    with running_gateway(tmp_path, data) as gw:
        yield gw, upstream


def _error(response: httpx.Response, status: int, code: str) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]
    return body["error"]  # type: ignore[no-any-return]


def test_missing_key_is_401(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A request without a key is refused with 401 and says how to send one."""
    gw, _ = gateway
    error = _error(httpx.post(gw.url + CHAT, json=GOOD), 401, "invalid_api_key")
    assert "Authorization" in str(error["message"])


@pytest.mark.parametrize(
    "header",
    [
        "Bearer lk_000000000000_" + "a" * 40,
        "Bearer not-a-lockgate-key",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_unknown_or_malformed_key_is_401(
    gateway: tuple[Gateway, ScriptedUpstream], header: str
) -> None:
    """Unknown, malformed or non-bearer credentials are 401."""
    gw, _ = gateway
    response = httpx.post(gw.url + CHAT, json=GOOD, headers={"authorization": header})
    _error(response, 401, "invalid_api_key")


def test_wrong_secret_for_known_id_is_401(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A real key id with a forged secret is refused."""
    gw, _ = gateway
    key_id = gw.key().split("_")[1]
    forged = f"lk_{key_id}_" + "b" * 40
    response = httpx.post(gw.url + CHAT, json=GOOD, headers={"authorization": f"Bearer {forged}"})
    _error(response, 401, "invalid_api_key")


def test_expired_key_is_401(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A key past its expiry is refused."""
    gw, _ = gateway
    key = gw.key(Scope.INVOKE, expires_in=dt.timedelta(seconds=-1))
    response = httpx.post(gw.url + CHAT, json=GOOD, headers={"authorization": f"Bearer {key}"})
    error = _error(response, 401, "invalid_api_key")
    assert "expired" in str(error["message"])


def test_key_without_invoke_scope_is_403(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A key lacking `invoke` may not call models."""
    gw, _ = gateway
    key = gw.key(Scope.METRICS_READ)
    response = httpx.post(gw.url + CHAT, json=GOOD, headers={"authorization": f"Bearer {key}"})
    error = _error(response, 403, "permission_denied")
    assert "invoke" in str(error["message"])


def test_key_limited_to_another_service_is_403(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A key limited to other services may not call this one, and does not list it."""
    gw, _ = gateway
    key = gw.key(Scope.INVOKE, services=["billing-bot"])
    auth = {"authorization": f"Bearer {key}"}
    _error(httpx.post(gw.url + CHAT, json=GOOD, headers=auth), 403, "permission_denied")
    assert httpx.get(gw.url + "/v1/models", headers=auth).json()["data"] == []


def test_unknown_service_is_404(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A `model` naming no service is 404 model_not_found with param `model`."""
    gw, _ = gateway
    auth = {"authorization": f"Bearer {gw.key()}"}
    body = {**GOOD, "model": "no-such-service"}
    error = _error(httpx.post(gw.url + CHAT, json=body, headers=auth), 404, "model_not_found")
    assert error["param"] == "model"


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "malformed_json"),
        (b'{"messages": [{"role": "user", "content": "hi"}]}', "missing_field"),
        (b'{"model": 3, "messages": [{"role": "user", "content": "hi"}]}', "missing_field"),
        (b'{"model": "support-assistant"}', "missing_field"),
        (b'{"model": "support-assistant", "messages": []}', "missing_field"),
    ],
)
def test_bad_bodies_are_400(
    gateway: tuple[Gateway, ScriptedUpstream], content: bytes, code: str
) -> None:
    """Malformed JSON and missing or mistyped fields are 400 with a precise code."""
    gw, upstream = gateway
    headers = {"authorization": f"Bearer {gw.key()}", "content-type": "application/json"}
    _error(httpx.post(gw.url + CHAT, content=content, headers=headers), 400, code)
    assert upstream.seen == []


def test_wrong_content_type_is_415(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """A body that is not declared JSON is 415."""
    gw, _ = gateway
    headers = {"authorization": f"Bearer {gw.key()}", "content-type": "text/plain"}
    _error(
        httpx.post(gw.url + CHAT, content=b"hello", headers=headers), 415, "unsupported_media_type"
    )


def test_body_over_limit_is_413(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """Bodies over gateway.max_body are 413, declared or streamed in chunks."""
    gw, upstream = gateway
    auth = {"authorization": f"Bearer {gw.key()}", "content-type": "application/json"}
    big = {**GOOD, "messages": [{"role": "user", "content": "x" * 5000}]}
    _error(httpx.post(gw.url + CHAT, json=big, headers=auth), 413, "payload_too_large")

    def chunks() -> Iterator[bytes]:
        yield b'{"model": "support-assistant", "messages": [{"role": "user", "content": "'
        for _ in range(10):
            yield b"y" * 1000
        yield b'"}]}'

    response = httpx.post(gw.url + CHAT, content=chunks(), headers=auth)
    _error(response, 413, "payload_too_large")
    assert upstream.seen == []


def test_unknown_route_and_method(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """Unknown routes are 404 and wrong methods 405, both JSON."""
    gw, _ = gateway
    _error(httpx.get(gw.url + "/nope"), 404, "not_found")
    _error(httpx.get(gw.url + CHAT), 405, "method_not_allowed")
    _error(httpx.get(gw.url + "/admin/v1/nope"), 404, "not_found")


def test_upstream_500_is_502(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """An upstream 5xx becomes 502 upstream_error naming the version."""
    gw, upstream = gateway
    upstream.mode = "error500"
    auth = {"authorization": f"Bearer {gw.key()}"}
    error = _error(httpx.post(gw.url + CHAT, json=GOOD, headers=auth), 502, "upstream_error")
    assert "v1" in str(error["message"])


def test_upstream_400_passes_through(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """An upstream's own 4xx reaches the client unchanged: the client must fix its request."""
    gw, upstream = gateway
    upstream.mode = "error400"
    auth = {"authorization": f"Bearer {gw.key()}"}
    response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "bad temperature"


def test_upstream_timeout_is_504(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """An upstream slower than the version's timeout is 504 within that budget."""
    gw, upstream = gateway
    upstream.mode, upstream.delay = "slow", 3.0
    auth = {"authorization": f"Bearer {gw.key()}"}
    response = httpx.post(gw.url + CHAT, json=GOOD, headers=auth, timeout=10)
    _error(response, 504, "upstream_timeout")
    assert response.elapsed.total_seconds() < 2.0


def test_unreachable_upstream_is_503(tmp_path: Path) -> None:
    """A version whose server is down is 503 upstream_unavailable."""
    data = manifest_dict({"v1": f"http://127.0.0.1:{free_port()}"})
    with running_gateway(tmp_path, data) as gw:
        auth = {"authorization": f"Bearer {gw.key()}"}
        _error(httpx.post(gw.url + CHAT, json=GOOD, headers=auth), 503, "upstream_unavailable")


def test_invoke_errors(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """The invoke endpoint shares the pipeline's errors: 401, 404, 400, 415."""
    gw, _ = gateway
    auth = {"authorization": f"Bearer {gw.key()}"}
    url = gw.url + "/v1/services/support-assistant/invoke"
    _error(httpx.post(url, json={"text": "hi"}), 401, "invalid_api_key")
    missing = gw.url + "/v1/services/ghost/invoke"
    _error(httpx.post(missing, json={}, headers=auth), 404, "model_not_found")
    bad = {**auth, "content-type": "application/json"}
    _error(httpx.post(url, content=b"{", headers=bad), 400, "malformed_json")
    _error(
        httpx.post(url, content=b"x", headers={**auth, "content-type": "text/plain"}),
        415,
        "unsupported_media_type",
    )


def test_metrics_requires_scope(gateway: tuple[Gateway, ScriptedUpstream]) -> None:
    """/metrics needs metrics:read; an invoke key is 403 and no key is 401."""
    gw, _ = gateway
    _error(httpx.get(gw.url + "/metrics"), 401, "invalid_api_key")
    invoke = {"authorization": f"Bearer {gw.key()}"}
    _error(httpx.get(gw.url + "/metrics", headers=invoke), 403, "permission_denied")
    reader = {"authorization": f"Bearer {gw.key(Scope.METRICS_READ)}"}
    response = httpx.get(gw.url + "/metrics", headers=reader)
    assert response.status_code == 200
    assert "lockgate_requests_total" in response.text
