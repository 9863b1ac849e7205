"""Signing in and out: scoped keys, a signed cookie holding only the key id, revocation."""

from __future__ import annotations

import datetime as dt

import pytest
from starlette.testclient import TestClient

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.dashboard.access import COOKIE
from lockgate.gateway.runtime import Runtime
from tests.dashboard.helpers import Clock, client, csrf, new_key, sign_in


def test_without_a_session_every_page_sends_the_browser_to_sign_in(runtime: Runtime) -> None:
    """No cookie: pages redirect to the sign-in form, which says why."""
    browser = client(runtime)
    for path in ("/ui", f"/ui/flags/{'support-assistant.enabled'}"):
        response = browser.get(path)
        assert response.status_code == 303
        assert response.headers["location"] == "/ui/login?why=required"
    page = browser.get("/ui/login?why=required")
    assert page.status_code == 200
    assert "Sign in to see the dashboard." in page.text


def test_a_metrics_key_signs_in_with_a_strict_httponly_cookie_naming_only_its_id(
    runtime: Runtime,
) -> None:
    """The cookie is HttpOnly, SameSite=Strict, limited to /ui, and never contains the key."""
    key_id, token = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    response = browser.post("/ui/login", data={"api_key": token})
    assert response.status_code == 303 and response.headers["location"] == "/ui"
    cookie = response.headers["set-cookie"]
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Path=/ui" in cookie
    assert token.split("_")[2] not in cookie and token not in cookie
    page = browser.get("/ui")
    assert page.status_code == 200
    assert "support-assistant" in page.text and key_id in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("", "no API key"),
        ("hunter2", "malformed API key"),
        ("lk_0123456789ab_" + "A" * 40, "unknown or revoked"),
    ],
)
def test_bad_keys_are_refused_without_a_cookie(runtime: Runtime, token: str, message: str) -> None:
    """Missing, malformed and unknown keys get 401 and the reason, and no session."""
    response = client(runtime).post("/ui/login", data={"api_key": token})
    assert response.status_code == 401
    assert message in response.text
    assert "set-cookie" not in response.headers


def test_a_key_without_metrics_read_is_refused(runtime: Runtime) -> None:
    """Least privilege: a flags:write or invoke key alone cannot open the dashboard."""
    _, token = new_key(runtime.store, Scope.FLAGS_WRITE, Scope.INVOKE)
    response = client(runtime).post("/ui/login", data={"api_key": token})
    assert response.status_code == 403
    assert "metrics:read" in response.text
    assert "set-cookie" not in response.headers


def test_revoking_the_key_signs_its_sessions_out_at_once(runtime: Runtime) -> None:
    """The next request after a revocation goes to sign-in, before any key ring reload."""
    key_id, token = new_key(runtime.store, Scope.METRICS_READ)
    runtime.keyring.reload()
    browser = client(runtime)
    sign_in(browser, token)
    assert browser.get("/ui").status_code == 200
    manage.revoke_key(runtime.store, actor="test", key_id=key_id, reason="left the team")
    response = browser.get("/ui")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?why=revoked"
    assert f"{COOKIE}=" in response.headers["set-cookie"]  # cleared
    assert "revoked" in browser.get("/ui/login?why=revoked").text
    # the ring still holds the key until its next reload; signing in again is refused anyway
    again = client(runtime).post("/ui/login", data={"api_key": token})
    assert again.status_code == 401


def test_an_expired_key_signs_its_sessions_out(runtime: Runtime) -> None:
    """A key that expires while signed in ends the session at its expiry."""
    _, token = manage.create_key(
        runtime.store,
        actor="test",
        name="temp",
        scopes=frozenset({Scope.METRICS_READ}),
        expires_in=dt.timedelta(minutes=5),
    )
    clock = Clock()
    browser = client(runtime, clock)
    sign_in(browser, token)
    clock.now += 240
    assert browser.get("/ui").status_code == 200
    clock.now += 120
    assert browser.get("/ui").headers["location"] == "/ui/login?why=revoked"


def test_sessions_expire(runtime: Runtime) -> None:
    """After the session lifetime the cookie is refused and the browser signs in again."""
    _, token = new_key(runtime.store, Scope.METRICS_READ)
    clock = Clock()
    browser = client(runtime, clock, session_ttl=600)
    sign_in(browser, token)
    clock.now += 599
    assert browser.get("/ui").status_code == 200
    clock.now += 2
    assert browser.get("/ui").headers["location"] == "/ui/login?why=expired"


def test_a_forged_cookie_is_refused(runtime: Runtime) -> None:
    """A cookie that was not signed by this dashboard opens nothing."""
    key_id, _ = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    browser.cookies.set(COOKIE, f"{key_id}.not-a-signature", path="/ui")
    assert browser.get("/ui").headers["location"] == "/ui/login?why=expired"


def test_sign_out_needs_the_csrf_token_and_ends_the_session_for_good(runtime: Runtime) -> None:
    """Sign-out without the token is refused; with it, even a replayed cookie stops working."""
    _, token = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    sign_in(browser, token)
    page = browser.get("/ui")
    stolen = browser.cookies.get(COOKIE)
    assert browser.post("/ui/logout", data={"csrf": "guess"}).status_code == 403
    assert browser.get("/ui").status_code == 200
    response = browser.post("/ui/logout", data={"csrf": csrf(page.text)})
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/login?why=signed_out"
    assert browser.get("/ui").status_code == 303
    replay = TestClient(browser.app, follow_redirects=False)  # same dashboard, another browser
    replay.cookies.set(COOKIE, str(stolen), path="/ui")
    assert replay.get("/ui").headers["location"] == "/ui/login?why=expired"
    control = TestClient(browser.app, follow_redirects=False)
    sign_in(control, token)
    assert control.get("/ui").status_code == 200  # the dashboard itself still takes sessions


def test_a_signed_in_browser_skips_the_sign_in_form(runtime: Runtime) -> None:
    """Opening the sign-in page while signed in goes to the dashboard."""
    _, token = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    sign_in(browser, token)
    response = browser.get("/ui/login")
    assert response.status_code == 303 and response.headers["location"] == "/ui"
