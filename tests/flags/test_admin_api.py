"""`/admin/v1/flags` over real HTTP: scopes, listing, changes and JSON errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from sqlalchemy import text

from lockgate.auth.scopes import Scope
from lockgate.flags.cache import FlagCache
from lockgate.store import audit, migrate
from lockgate.store import flags as stored
from lockgate.store.db import Store
from tests.flags.helpers import KILL, Api, build_app, definitions
from tests.support.servers import serve


@pytest.fixture
def api(sqlite_url: str, open_store: Callable[[str], Store]) -> Iterator[Api]:
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    cache = FlagCache(store, definitions())
    assert cache.refresh()
    with serve(build_app(store, cache)) as url:
        yield Api(url, store, cache)


def test_each_route_needs_its_scope(api: Api) -> None:
    """Reading needs flags:read, changing needs flags:write; no key is 401, others 403."""
    flags_url = f"{api.url}/admin/v1/flags"
    body = {"value": False, "reason": "scope check"}
    assert httpx.get(flags_url).status_code == 401
    assert httpx.get(flags_url, headers=api.headers(Scope.FLAGS_WRITE)).status_code == 403
    assert httpx.get(flags_url, headers=api.headers(Scope.FLAGS_READ)).status_code == 200
    reader = api.headers(Scope.FLAGS_READ, Scope.INVOKE)
    assert httpx.put(f"{flags_url}/{KILL}", json=body, headers=reader).status_code == 403
    assert httpx.delete(f"{flags_url}/{KILL}?reason=x", headers=reader).status_code == 403
    assert stored.read_epoch(api.store) == 0


def test_list_shows_every_flag_and_the_replica_freshness(api: Api) -> None:
    """Every flag with kind, value, source and definition, plus the cache status."""
    response = httpx.get(f"{api.url}/admin/v1/flags", headers=api.headers(Scope.FLAGS_READ))
    document = response.json()
    flags = {flag["name"]: flag for flag in document["flags"]}
    assert sorted(flags) == sorted(definitions())
    assert flags[KILL] | {"description": ""} == {
        "name": KILL,
        "kind": "boolean",
        "value": True,
        "default": True,
        "source": "manifest",
        "variants": {},
        "rules": [],
        "description": "",
        "updated_by": None,
        "updated_at": None,
        "reason": None,
        "problem": None,
    }
    assert flags["model-choice"]["rules"][0]["values"] == ["vip"]
    assert document["cache"]["stale"] is False and document["cache"]["epoch"] == 0


def test_put_sets_the_value_here_at_once_and_audits_the_key(api: Api) -> None:
    """A change answers the new state, shows on this replica at once, and names the key."""
    writer = api.headers(Scope.FLAGS_WRITE)
    response = httpx.put(
        f"{api.url}/admin/v1/flags/long-context",
        json={"value": 35, "reason": "ramp up"},
        headers=writer,
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert (changed["value"], changed["source"], changed["reason"]) == (35, "override", "ramp up")
    assert changed["updated_by"].startswith("key:") and "(flags-test)" in changed["updated_by"]
    listing = httpx.get(f"{api.url}/admin/v1/flags", headers=api.headers(Scope.FLAGS_READ)).json()
    current = {flag["name"]: flag for flag in listing["flags"]}["long-context"]
    assert current["value"] == 35 and listing["cache"]["epoch"] == 1
    with api.store.transaction() as session:
        records = [r for r in audit.recent(session) if r.action.startswith("flag.")]
        assert [(r.action, r.actor) for r in records] == [("flag.set", changed["updated_by"])]


@pytest.mark.parametrize(
    ("name", "body", "status", "code"),
    [
        (KILL, {"value": "maybe", "reason": "x"}, 400, "invalid_flag_value"),
        ("long-context", {"value": 120, "reason": "x"}, 400, "invalid_flag_value"),
        (KILL, {"value": False}, 400, "missing_field"),
        (KILL, {"value": False, "reason": ""}, 400, "invalid_request_error"),
        (KILL, {"value": False, "reason": "  "}, 400, "missing_field"),
        (KILL, {"value": False, "reason": "x", "ttl": 5}, 400, "invalid_request_error"),
        (KILL, {"reason": "x"}, 400, "missing_field"),
        ("no-such-flag", {"value": True, "reason": "x"}, 404, "not_found"),
    ],
)
def test_bad_changes_get_json_errors_and_change_nothing(
    api: Api, name: str, body: dict[str, object], status: int, code: str
) -> None:
    """Bad values, missing reasons and unknown flags are 400/404 with a JSON error body."""
    response = httpx.put(
        f"{api.url}/admin/v1/flags/{name}", json=body, headers=api.headers(Scope.FLAGS_WRITE)
    )
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert stored.read_epoch(api.store) == 0


def test_delete_clears_the_override(api: Api) -> None:
    """DELETE with a reason returns the flag to its manifest default; without one it is 400."""
    writer = api.headers(Scope.FLAGS_WRITE)
    url = f"{api.url}/admin/v1/flags/{KILL}"
    assert httpx.put(url, json={"value": False, "reason": "x"}, headers=writer).status_code == 200
    assert httpx.delete(url, headers=writer).status_code == 400
    cleared = httpx.delete(f"{url}?reason=recovered", headers=writer)
    assert cleared.status_code == 200, cleared.text
    assert (cleared.json()["value"], cleared.json()["source"]) == (True, "manifest")
    assert api.cache.get(KILL) is not None and api.cache.get(KILL).value is True  # type: ignore[union-attr]


def test_list_reports_a_stale_replica(api: Api) -> None:
    """When the store fails, the listing still answers, marked stale with the time and error."""
    with api.store.engine.begin() as conn:
        conn.execute(text("DROP TABLE flag_epoch"))
    assert api.cache.refresh() is False
    document = httpx.get(f"{api.url}/admin/v1/flags", headers=api.headers(Scope.FLAGS_READ)).json()
    assert document["cache"]["stale"] is True
    assert document["cache"]["stale_since"] and "flag_epoch" in document["cache"]["last_error"]
    assert {flag["name"] for flag in document["flags"]} == set(definitions())
