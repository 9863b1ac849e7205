"""The drill's parts on their own: settings, traffic pacing, URL safety, keys and store signals."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from pathlib import Path

import pytest

import lockgate.drills
from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.drills import (
    DrillRefused,
    DrillReport,
    FileKey,
    MintedKeys,
    Sample,
    ScenarioName,
    Settings,
    Step,
    TrafficSummary,
)
from lockgate.drills.client import _error_text, require_loopback
from lockgate.drills.model import DEFAULT_WINDOW
from lockgate.drills.scenarios.base import TTL_MARGIN, fault_window
from lockgate.drills.signals import AlertView, controller_missing, evaluator_missing, firing_since
from lockgate.drills.traffic import Traffic
from lockgate.errors import ConfigError
from lockgate.manifest.drills import DrillTargets
from lockgate.rollout.controller import LEASE
from lockgate.store import migrate, rollouts
from lockgate.store.db import Store
from lockgate.store.faults import MAX_TTL

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def test_public_surface_is_sorted_and_importable() -> None:
    """The package exports a sorted ``__all__`` whose names all exist."""
    names = lockgate.drills.__all__
    assert names == sorted(names, key=lambda n: (not n.isupper(), n))
    assert all(hasattr(lockgate.drills, name) for name in names)


def test_settings_come_from_the_manifest_and_bound_each_wait() -> None:
    """Targets per scenario, the rate override, and waits of grace x the largest target."""
    drills = DrillTargets.model_validate(
        {"rate": 8, "grace": 3, "kill_switch": {"detect": "2s", "mitigate": "4s", "recover": None}}
    )
    settings = Settings.from_manifest(drills, ScenarioName.KILL_SWITCH, rate=30)
    assert settings.rate == 30 and settings.targets.get(Step.MITIGATE) == 4.0
    assert settings.window(Step.DETECT, Step.MITIGATE) == 12.0
    assert settings.window(Step.RECOVER) == DEFAULT_WINDOW
    assert Settings.from_manifest(drills, ScenarioName.DRIFT).targets.mitigate is None
    assert fault_window(settings) == 12.0 + settings.hold
    long = Settings.from_manifest(
        DrillTargets.model_validate({"upstream_down": {"detect": "1h"}}), ScenarioName.UPSTREAM_DOWN
    )
    assert fault_window(long) == MAX_TTL - TTL_MARGIN


def test_report_details_are_json() -> None:
    """Evidence details serialize, with statuses keyed by text."""
    samples = [
        Sample(0, 0.1, 200, "v1"),
        Sample(1, 1.1, 200, "v2", "version:v2"),
        Sample(2, 2, 0, error="E"),
    ]
    traffic = TrafficSummary.of(samples, skipped=2)
    assert traffic.statuses == {200: 2, 0: 1} and traffic.fallbacks == {"version:v2": 1}
    report = DrillReport(ScenarioName.UPSTREAM_DOWN, "svc", NOW, available=True, traffic=traffic)
    details = json.loads(json.dumps(report.details()))
    assert (
        details["traffic"]["statuses"] == {"0": 1, "200": 2} and details["traffic"]["skipped"] == 2
    )


def test_traffic_keeps_its_rate_and_never_exceeds_the_in_flight_cap() -> None:
    """Ticks beyond the cap are skipped, not queued; every answer is kept."""
    in_flight, most = 0, 0

    async def slow(text: str, user: str) -> Sample:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        sent = time.monotonic()
        await asyncio.sleep(0.2)
        in_flight -= 1
        return Sample(sent, time.monotonic(), 200, user)

    async def main() -> Traffic:
        traffic = Traffic(slow, rate=100, max_in_flight=5, clock=time.monotonic, messages=["hi"])
        stop = asyncio.Event()
        task = asyncio.create_task(traffic.run(stop))
        await asyncio.sleep(0.5)
        stop.set()
        await task
        return traffic

    traffic = asyncio.run(main())
    assert most == 5
    assert 10 <= len(traffic.samples) <= 20
    assert 25 <= len(traffic.samples) + traffic.skipped <= 60
    assert traffic.horizon() > 0
    assert traffic.summary() == TrafficSummary.of(traffic.samples, skipped=traffic.skipped)


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:8700/", "http://localhost:1", "https://[::1]:8443", "http://127.9.9.9"],
)
def test_loopback_gateways_are_accepted(url: str) -> None:
    """The gateway on this host, under any loopback name."""
    assert require_loopback(url) == url.rstrip("/")


@pytest.mark.parametrize(
    "url", ["http://10.0.0.5:8700", "http://gateway.internal", "ftp://127.0.0.1"]
)
def test_other_hosts_are_refused(url: str) -> None:
    """Drill traffic never leaves this host."""
    with pytest.raises(DrillRefused):
        require_loopback(url)


def test_error_text_reads_both_error_shapes() -> None:
    """The gateway's OpenAI-shaped errors and FastAPI's detail are both understood."""
    body = b'{"error": {"message": "lacks scope", "code": "permission_denied"}}'
    assert _error_text(403, body) == ("permission_denied", "lacks scope")
    assert _error_text(422, b'{"detail": "bad"}') == (None, "bad")
    assert _error_text(502, b"<html>") == (None, "<html>")


def _store(url: str) -> Store:
    store = Store.open(url)
    migrate.upgrade(store)
    return store


def test_minted_keys_are_scoped_short_lived_renewed_and_revoked(sqlite_url: str) -> None:
    """Minted on first use with the scenario's scopes; renewed before expiry; all revoked."""
    store, now = _store(sqlite_url), [NOW]
    keys = MintedKeys(
        store, name="drill x", scopes=frozenset({Scope.INVOKE}), service="svc", actor="a",
        clock=lambda: now[0],
    )  # fmt: skip
    assert manage.list_keys(store) == []
    first = keys.token()
    assert keys.token() == first
    info = manage.list_keys(store)[0]
    assert info.scopes == ("invoke",) and info.services == ("svc",)
    assert info.expires_at is not None
    lifetime = info.expires_at - info.created_at
    assert dt.timedelta(minutes=14) < lifetime <= dt.timedelta(minutes=15)
    now[0] = NOW + dt.timedelta(minutes=14)
    assert keys.token() != first and len(keys.minted) == 2
    keys.close()
    assert all(k.revoked_at is not None for k in manage.list_keys(store))
    store.close()


def test_file_keys(tmp_path: Path) -> None:
    """The first non-empty line is the key; a missing or empty file is a config error."""
    path = tmp_path / "key"
    path.write_text("\n  lk_abc_def  \n")
    assert FileKey(path).token() == "lk_abc_def"
    path.write_text("\n\n")
    with pytest.raises(ConfigError, match="empty"):
        FileKey(path)
    with pytest.raises(ConfigError, match="cannot read"):
        FileKey(tmp_path / "missing")


def _view(key: str, status: str, since: dt.datetime | None, evaluated: dt.datetime) -> AlertView:
    return AlertView(key, status, since, None, None, evaluated)


def test_evaluator_liveness_and_new_firing_alerts() -> None:
    """An evaluator is live when it evaluated recently; only alerts firing since count."""
    assert evaluator_missing(None, interval=1, now=NOW) is not None
    assert "no alert evaluator" in str(evaluator_missing({}, interval=1, now=NOW))
    old = {"a": _view("a", "inactive", None, NOW - dt.timedelta(seconds=60))}
    assert "60s old" in str(evaluator_missing(old, interval=10, now=NOW))
    assert evaluator_missing(old, interval=30, now=NOW) is None
    states = {
        "before": _view("before", "firing", NOW - dt.timedelta(seconds=5), NOW),
        "after": _view("after", "firing", NOW + dt.timedelta(seconds=1), NOW),
        "pending": _view("pending", "pending", NOW + dt.timedelta(seconds=1), NOW),
    }
    assert firing_since(states, NOW) == "after"
    assert firing_since(states, NOW, lambda key: key != "after") is None


def test_controller_liveness_from_its_lease(sqlite_url: str) -> None:
    """No lease, or an expired one, means no controller to roll a bad release back."""
    store = _store(sqlite_url)
    assert "no rollout controller is running" in str(controller_missing(store, NOW))
    with store.transaction() as session:
        rollouts.acquire_lease(session, LEASE, "replica-1", NOW, dt.timedelta(seconds=10))
    assert controller_missing(store, NOW + dt.timedelta(seconds=5)) is None
    assert controller_missing(store, NOW + dt.timedelta(seconds=11)) is not None
    store.close()
