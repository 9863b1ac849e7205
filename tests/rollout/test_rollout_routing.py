"""Routing: sticky weighted buckets, shadow targets, and watchers that agree across replicas."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from lockgate.gateway.router import RouteContext, Router
from lockgate.rollout import service
from lockgate.rollout.routing import BUCKETS, RoutingWatcher, WeightedPolicy, bucket
from lockgate.rollout.service import Actor
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.rollout.helpers import (
    SERVICE,
    Clock,
    make_manifest,
    rollout_section,
    service_runtime,
)
from tests.support.servers import run

SERVICES = {SERVICE: service_runtime()}


def _context(user: int) -> RouteContext:
    return RouteContext(key_id="key-1", sticky_key=f"user-{user}", tenant=None)


def test_weight_decides_the_share_of_users() -> None:
    """Over 20,000 users a 10 % policy sends 10 % (+-1 point) to the candidate."""
    policy = WeightedPolicy("r1", "v1", "v2", 10.0)
    chosen = [policy.choose(SERVICES[SERVICE], _context(user)) for user in range(20_000)]
    share = chosen.count("v2") / len(chosen)
    assert 0.09 < share < 0.11
    assert set(chosen) == {"v1", "v2"}


def test_a_user_stays_on_one_version_and_raising_the_weight_only_adds_users() -> None:
    """The same sticky key always gets the same answer; 10 % users are all inside 50 %."""
    ten, fifty = WeightedPolicy("r1", "v1", "v2", 10.0), WeightedPolicy("r1", "v1", "v2", 50.0)
    service_runtime = SERVICES[SERVICE]
    for user in range(2000):
        first = ten.choose(service_runtime, _context(user))
        assert all(ten.choose(service_runtime, _context(user)) == first for _ in range(3))
        if first == "v2":
            assert fifty.choose(service_runtime, _context(user)) == "v2"


def test_sticky_key_falls_back_to_the_key_id() -> None:
    """Without a conversation or user header the API key decides the bucket."""
    policy = WeightedPolicy("r1", "v1", "v2", 50.0)
    context = RouteContext(key_id="key-7", sticky_key=None, tenant=None)
    expected = "v2" if bucket("r1", "key-7") < BUCKETS // 2 else "v1"
    assert policy.choose(SERVICES[SERVICE], context) == expected


def test_each_rollout_reshuffles_users() -> None:
    """Buckets depend on the rollout id, so a new rollout picks a different 10 %."""
    first = {user for user in range(5000) if bucket("rollout-a", f"u{user}") < 1000}
    second = {user for user in range(5000) if bucket("rollout-b", f"u{user}") < 1000}
    assert 0.05 < len(first & second) / len(first) < 0.2


def test_edges_and_shadow_targets() -> None:
    """0 % and 100 % are absolute; a shadow policy names the candidate for its share."""
    ctx = _context(1)
    assert WeightedPolicy("r", "v1", "v2", 0.0).choose(SERVICES[SERVICE], ctx) == "v1"
    assert WeightedPolicy("r", "v1", "v2", 100.0).choose(SERVICES[SERVICE], ctx) == "v2"
    assert WeightedPolicy("r", "v1", "v2", 0.0).shadow_target(ctx) is None
    shadow = WeightedPolicy("r", "v1", "v2", 0.0, shadow=True, shadow_share=30.0)
    assert shadow.choose(SERVICES[SERVICE], ctx) == "v1"
    assert shadow.shadow_target() == "v2"
    shadowed = sum(shadow.shadow_target(_context(user)) == "v2" for user in range(10_000))
    assert 2700 < shadowed < 3300


@pytest.fixture
def store(sqlite_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    return store


@pytest.fixture
def any_store(db_url: str, open_store: Callable[[str], Store]) -> Store:
    """The store on SQLite and on PostgreSQL."""
    store = open_store(db_url)
    migrate.upgrade(store)
    return store


def test_two_replicas_route_every_user_the_same_way(any_store: Store) -> None:
    """Two watchers over one any_store install equal policies, and follow a rollback."""
    clock = Clock()
    record = service.start(
        any_store, make_manifest(), service=SERVICE, version="v2", actor=Actor("t"), now=clock()
    )
    routers = [Router(), Router()]
    watchers = [RoutingWatcher(any_store, router, SERVICES) for router in routers]
    for watcher in watchers:
        watcher.refresh()
    assert all(watcher.active()[SERVICE].id == record.id for watcher in watchers)
    assert watchers[0].policy(SERVICE) == watchers[1].policy(SERVICE)
    service.rollback(any_store, SERVICE, actor=Actor("t"), reason="test")
    for watcher in watchers:
        watcher.refresh()
        policy = watcher.policy(SERVICE)
        assert policy is not None and policy.weight == 0.0
        assert watcher.active() == {}
    picks = {routers[0].pick(SERVICES[SERVICE], _context(u)).name for u in range(50)}
    assert picks == {"v1"}


def test_a_changed_manifest_stable_version_takes_routing_back(store: Store) -> None:
    """When the manifest's stable version is no longer the one the rollout began from, the
    manifest wins and no policy is installed."""
    service.start(
        store,
        make_manifest(),
        service=SERVICE,
        version="v2",
        actor=Actor("t"),
        now=Clock()(),
    )
    router = Router()
    moved = {SERVICE: service_runtime(stable="v3")}
    watcher = RoutingWatcher(store, router, moved)
    watcher.refresh()
    assert watcher.policy(SERVICE) is None
    assert watcher.shadow_target(SERVICE) is None


def test_watcher_loop_picks_up_a_change_within_a_second(store: Store) -> None:
    """The background loop installs a policy for a rollout started after it began."""

    async def scenario() -> float | None:
        import asyncio

        router = Router()
        watcher = RoutingWatcher(store, router, SERVICES, period=0.05)
        task = asyncio.create_task(watcher.run())
        try:
            await asyncio.sleep(0.1)
            assert watcher.policy(SERVICE) is None
            await asyncio.to_thread(
                service.start,
                store,
                make_manifest(rollout_section(strategy="blue-green")),
                service=SERVICE,
                version="v2",
                actor=Actor("t"),
            )
            for _ in range(100):
                policy = watcher.policy(SERVICE)
                if policy is not None:
                    return policy.weight
                await asyncio.sleep(0.01)
            return None
        finally:
            task.cancel()

    assert run(scenario()) == 0.0
