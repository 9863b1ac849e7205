"""The OpenFeature provider against a real admin API: the gateway's answers, in the team's app."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx
import pytest
from sqlalchemy import text

pytest.importorskip("openfeature")

from openfeature import api as openfeature_api
from openfeature.evaluation_context import EvaluationContext as OFContext
from openfeature.event import EventDetails, ProviderEvent
from openfeature.exception import ErrorCode as OFErrorCode
from openfeature.flag_evaluation import Reason as OFReason

from lockgate.auth.scopes import Scope
from lockgate.flags import EvaluationContext, Reason
from lockgate.flags.cache import FlagCache
from lockgate.flags.openfeature import AdminApiFetcher, LockgateProvider, context_of
from lockgate.store import migrate
from lockgate.store.db import Store
from tests.flags.helpers import KILL, Api, build_app, definitions
from tests.support.servers import free_port, serve, wait_until


@contextmanager
def running_api(store: Store, port: int | None = None) -> Iterator[Api]:
    cache = FlagCache(store, definitions())
    assert cache.refresh()
    with serve(build_app(store, cache), port=port) as url:
        yield Api(url, store, cache)


@pytest.fixture
def store(sqlite_url: str, open_store: Callable[[str], Store]) -> Store:
    store = open_store(sqlite_url)
    migrate.upgrade(store)
    return store


@pytest.fixture
def domain() -> Iterator[str]:
    """An OpenFeature domain of this test; the SDK's global registry is cleared afterwards."""
    yield f"lockgate-test-{uuid.uuid4().hex[:8]}"
    openfeature_api.clear_providers()


def contexts() -> list[tuple[EvaluationContext, OFContext]]:
    """The same request described to the gateway and to OpenFeature."""
    pairs = []
    for index in range(300):
        tenant = ["acme", "initech", "umbrella"][index % 3]
        beta = {"x-beta": "1"} if index % 2 else {}
        lockgate = EvaluationContext(user=f"user-{index}", tenant=tenant, headers=beta)
        attributes: dict[str, str] = {"tenant": tenant}
        if beta:
            attributes["header:x-beta"] = "1"
        pairs.append((lockgate, OFContext(targeting_key=f"user-{index}", attributes=attributes)))
    pairs.append((EvaluationContext(user="vip"), OFContext(targeting_key="vip")))
    return pairs


def test_provider_answers_exactly_as_the_gateway(store: Store) -> None:
    """For each flag and 300 contexts the provider's value, variant and reason equal the cache's."""
    with running_api(store) as gateway:
        token = gateway.headers(Scope.FLAGS_READ)["authorization"].split()[1]
        writer = gateway.headers(Scope.FLAGS_WRITE)
        change = {"value": {"small": 1, "large": 1}, "reason": "a/b"}
        url = f"{gateway.url}/admin/v1/flags/model-choice"
        assert httpx.put(url, json=change, headers=writer).status_code == 200
        provider = LockgateProvider(gateway.url, token, refresh_interval=60)
        assert provider.refresh()
        defaults: dict[str, object] = {
            KILL: False,
            "new-prompt": False,
            "long-context": False,
            "model-choice": "none",
        }
        for lockgate_context, of_context in contexts():
            for name, default in defaults.items():
                ours = gateway.cache.evaluate(name, lockgate_context, default)
                theirs = provider.resolve(name, default, of_context)
                assert theirs == ours, (name, lockgate_context)
        variants = {
            provider.resolve("model-choice", "", OFContext(targeting_key=f"u{i}")).variant
            for i in range(100)
        }
        assert variants == {"small", "large"}


def test_sdk_client_gets_values_reasons_and_changes(store: Store, domain: str) -> None:
    """Through the OpenFeature client: values, variants, error codes and change events."""
    with running_api(store) as gateway:
        token = gateway.headers(Scope.FLAGS_READ)["authorization"].split()[1]
        provider = LockgateProvider(gateway.url, token, refresh_interval=0.05)
        openfeature_api.set_provider_and_wait(provider, domain)
        client = openfeature_api.get_client(domain)
        changed: list[list[str]] = []
        seen = threading.Event()

        def on_change(details: EventDetails) -> None:
            changed.append(list(details.flags_changed or []))
            seen.set()

        client.add_handler(ProviderEvent.PROVIDER_CONFIGURATION_CHANGED, on_change)
        try:
            assert client.get_boolean_value(KILL, default_value=False) is True
            vip = client.get_string_details("model-choice", "none", OFContext(targeting_key="vip"))
            assert (vip.value, vip.variant, vip.reason) == (
                "gpt-large",
                "large",
                OFReason.TARGETING_MATCH,
            )
            wrong = client.get_boolean_details("model-choice", default_value=True)
            assert (wrong.value, wrong.error_code) == (True, OFErrorCode.TYPE_MISMATCH)
            missing = client.get_integer_details("no-such-flag", 3)
            assert (missing.value, missing.error_code) == (3, OFErrorCode.FLAG_NOT_FOUND)

            writer = gateway.headers(Scope.FLAGS_WRITE)
            body = {"value": False, "reason": "kill"}
            put = httpx.put(f"{gateway.url}/admin/v1/flags/{KILL}", json=body, headers=writer)
            assert put.status_code == 200, put.text
            assert seen.wait(5)
            assert [KILL] in changed
            assert client.get_boolean_value(KILL, default_value=True) is False
        finally:
            provider.shutdown()


def test_unreachable_gateway_means_stale_values_then_not_ready(store: Store) -> None:
    """When the gateway goes away the last values are served as STALE; never fetched: not ready."""
    port = free_port()
    with running_api(store, port=port) as gateway:
        token = gateway.headers(Scope.FLAGS_READ)["authorization"].split()[1]
        provider = LockgateProvider(gateway.url, token, refresh_interval=60)
        events: list[str] = []
        provider.attach(lambda _provider, event, _details: events.append(event.value))
        assert provider.refresh()
    assert not provider.refresh()
    assert provider.stale and provider.last_error
    details = provider.resolve_boolean_details(KILL, default_value=False)
    assert (details.value, details.reason) == (True, OFReason.STALE)
    assert events == ["PROVIDER_READY", "PROVIDER_STALE"]

    with running_api(store, port=port):
        wait_until(provider.refresh, timeout=5)
    assert not provider.stale and events[-1] == "PROVIDER_READY"

    never = LockgateProvider(fetch=AdminApiFetcher(f"http://127.0.0.1:{free_port()}", "k"))
    with pytest.raises(ConnectionError):
        never.initialize(OFContext())
    never.shutdown()
    early = never.resolve_boolean_details(KILL, default_value=False)
    assert (early.value, early.error_code) == (False, OFErrorCode.PROVIDER_NOT_READY)


def test_gateway_staleness_is_passed_on(store: Store) -> None:
    """If the gateway's own flags are stale, the provider's answers say STALE too."""
    with running_api(store) as gateway:
        token = gateway.headers(Scope.FLAGS_READ)["authorization"].split()[1]
        provider = LockgateProvider(gateway.url, token, refresh_interval=60)
        assert provider.refresh()
        assert provider.resolve(KILL, default=False).reason is Reason.DEFAULT
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE flag_epoch"))
        assert not gateway.cache.refresh()
        assert provider.refresh() and provider.stale
        assert provider.resolve(KILL, default=False).reason is Reason.STALE


def test_context_mapping() -> None:
    """Targeting key is the user unless given; headers come from header: or a headers map."""
    mapped = context_of(
        OFContext(
            targeting_key="u1",
            attributes={"tenant": "acme", "header:X-Beta": "1", "headers": {"X-Zone": "eu"}},
        )
    )
    assert (mapped.user, mapped.tenant, mapped.key_id) == ("u1", "acme", None)
    assert dict(mapped.headers) == {"x-beta": "1", "x-zone": "eu"}
    assert context_of(OFContext(targeting_key="u1", attributes={"user": "u2"})).user == "u2"
    assert context_of(None) == EvaluationContext()
