"""The one screen: each panel shows stored data if any and says so when there is none."""

from __future__ import annotations

import datetime as dt
import re
import secrets

from markupsafe import escape
from sqlalchemy import text
from starlette.testclient import TestClient

from lockgate.auth.scopes import Scope
from lockgate.gateway.runtime import Runtime
from lockgate.manifest.cutover import Strategy
from lockgate.monitor.alerts.state import AlertState, Status
from lockgate.rollout.phases import Phase, Progress
from lockgate.store import alerts, evidence, handoffs, rollouts
from lockgate.store import flags as stored
from lockgate.store.tables import Feedback, RequestLogEntry
from tests.dashboard.helpers import SERVICE, client, log_request, new_key, sign_in


def signed_in(runtime: Runtime) -> TestClient:
    """A browser signed in with a metrics:read key."""
    _, token = new_key(runtime.store, Scope.METRICS_READ)
    browser = client(runtime)
    sign_in(browser, token)
    return browser


def section(page: str, name: str) -> str:
    """The HTML of one panel."""
    match = re.search(rf'<section class="card" id="{name}">(.*?)</section>', page, re.S)
    assert match, f"no panel {name}"
    return match.group(1)


def test_an_empty_store_shows_no_data_yet_everywhere(runtime: Runtime) -> None:
    """Without traffic or records every panel says so instead of showing zeros."""
    page = signed_in(runtime).get("/ui").text
    for name in ("alerts", "rollout", "quality", "drift", "handoffs"):
        assert "no data yet" in section(page, name), name
    versions = section(page, "versions")
    assert versions.count("no requests in the last 15 minutes") == 2
    assert '<meta http-equiv="refresh" content="10; url=/ui">' in page
    assert "<script" not in page


def test_the_version_table_shows_measured_rates_with_sparklines(runtime: Runtime) -> None:
    """Request counts, error rate and RPS come from the request log; each cell has an SVG."""
    now = dt.datetime.now(dt.UTC)
    for index in range(40):
        log_request(
            runtime.store,
            at=now - dt.timedelta(seconds=5 + index * 20),
            version="v1",
            latency_ms=100.0,
            status=500 if index % 4 == 0 else 200,
            fallback="handoff" if index % 8 == 0 else None,
        )
    versions = section(signed_in(runtime).get("/ui").text, "versions")
    row = re.search(r'<tr data-version="v1">(.*?)</tr>', versions, re.S)
    assert row is not None
    cells = row.group(1)
    assert '<td class="num">40</td>' in cells
    assert "0.0444/s" in cells  # 40 requests / 900 s
    assert ">25 %</span>" in cells  # errors: every 4th
    assert ">12.5 %</span>" in cells  # hand-offs: every 8th, also counted as fallbacks
    assert cells.count("<svg") == 5 and "<polyline" in cells
    assert re.search(r">(9\d|1\d\d) ms</span>", cells)  # p95 within its bucket around 100 ms


def add_alerts(runtime: Runtime, now: dt.datetime) -> None:
    """One firing alert (with markup in its summary) and one inactive alert."""
    firing = AlertState("error-rate-high", Status.FIRING, now, now, episode=1, notified=False)
    summary = "error rate <b>12 %</b> over 5 %"
    records = [
        alerts.AlertRecord(firing, "page", 0.12, summary, now),
        alerts.AlertRecord(AlertState("latency"), "ticket", 0.2, "fine", now),
    ]
    alerts.save_pass(runtime.store, SERVICE, records, [])


def add_rollout(runtime: Runtime, now: dt.datetime) -> None:
    """A canary at 25 % whose last verdict is inconclusive, with one event."""
    verdict = {
        "status": "inconclusive",
        "code": "insufficient_samples",
        "reason": "need more",
        "elapsed_seconds": 120.0,
        "metrics": [
            {
                "metric": "error_rate",
                "status": "inconclusive",
                "reason": "only 40 of 200 samples",
                "baseline_value": 0.01,
                "candidate_value": 0.02,
                "samples": 40,
                "baseline_samples": 120,
            }
        ],
    }
    started = rollouts.RolloutRecord(
        id=secrets.token_hex(8),
        service=SERVICE,
        baseline="v1",
        candidate="v2",
        manifest_stable="v1",
        strategy=Strategy.CANARY,
        progress=Progress(Phase.CANARY, step=1, weight=25.0),
        revision=1,
        started_by="key:abc (release)",
        started_key=None,
        reason="ship v2",
        override=False,
        approvals=(),
        plan={},
        created_at=now,
        updated_at=now,
        step_started_at=now,
    )
    with runtime.store.transaction() as session:
        record = rollouts.insert(session, started)
        record = rollouts.save(session, record, now, last_verdict=verdict)
        message = "step extended: too few samples"
        rollouts.add_event(
            session, record, now, kind="extended", message=message, actor="controller"
        )


def add_drift(runtime: Runtime) -> None:
    """A closed window in which one of two columns drifted."""
    columns = [
        {"column": "prompt_length", "drifted": True, "effect": 0.41, "effect_name": "psi"},
        {"column": "language", "drifted": False, "effect": 0.01, "effect_name": "js"},
    ]
    details = {"window": 3, "records": 500, "drifted": True, "columns": columns}
    evidence.record(
        runtime.store,
        kind="drift.window",
        subject=SERVICE,
        passed=False,
        actor="gateway",
        details=details,
    )


def add_feedback(runtime: Runtime, now: dt.datetime) -> None:
    """Two labelled answers of v2, one of which the feedback label confirms."""
    with runtime.store.transaction() as session:
        for index, (answer, label) in enumerate([("refund", "refund"), ("refund", "cancel")]):
            entry = RequestLogEntry(
                request_id=f"req{index}",
                at=now,
                key_id="k1",
                service=SERVICE,
                version="v2",
                route="chat",
                status=200,
                error_code=None,
                stream=False,
                latency_ms=50.0,
                label=answer,
            )
            session.add(entry)
            session.add(Feedback(request_id=f"req{index}", at=now, key_id="k1", label=label))


def test_active_alerts_rollout_drift_quality_and_handoffs_are_shown(runtime: Runtime) -> None:
    """Stored alerts, the rollout's verdict, drift windows, feedback and tickets reach the page."""
    now = dt.datetime.now(dt.UTC)
    add_alerts(runtime, now)
    add_rollout(runtime, now)
    add_drift(runtime)
    add_feedback(runtime, now)
    ticket = handoffs.open_ticket(
        runtime.store,
        service=SERVICE,
        version="v1",
        trigger="http_5xx",
        conversation="c-1",
        request_id="r1",
        key_id=None,
    )

    page = signed_in(runtime).get("/ui").text
    alert_panel = section(page, "alerts")
    assert "error-rate-high" in alert_panel and "firing" in alert_panel
    assert str(escape("error rate <b>12 %</b> over 5 %")) in alert_panel
    assert "latency" not in alert_panel  # inactive alerts are not listed
    rollout_panel = section(page, "rollout")
    assert "canary" in rollout_panel and "v1 75 %" in rollout_panel and "v2 25 %" in rollout_panel
    assert "only 40 of 200 samples" in rollout_panel and "insufficient_samples" in rollout_panel
    assert "step extended: too few samples" in rollout_panel
    drift_panel = section(page, "drift")
    assert "drifted" in drift_panel and "prompt_length (psi 0.41)" in drift_panel
    assert "language" not in drift_panel
    quality_panel = section(page, "quality")
    assert "v2" in quality_panel and "50 %" in quality_panel  # one of two labels matched
    assert ticket.id in section(page, "handoffs")


def test_breakers_show_each_version_and_an_open_one(runtime: Runtime) -> None:
    """Versions without a breaker yet are closed; a tripped breaker shows open."""
    breaker = runtime.fallback.breakers.get(SERVICE, "v2")
    for _ in range(200):
        breaker.failure()
    panel = section(signed_in(runtime).get("/ui").text, "breakers")
    assert re.search(r"v1</th><td><span class=\"pill breaker closed\">", panel)
    assert re.search(r"v2</th><td><span class=\"pill breaker open\">", panel)


def test_a_failing_source_blanks_only_its_own_panel(runtime: Runtime) -> None:
    """A missing table shows as that panel's error; the rest of the screen still renders."""
    with runtime.store.transaction() as session:
        session.execute(text("DROP TABLE alert_state"))
    response = signed_in(runtime).get("/ui")
    assert response.status_code == 200
    assert "unavailable: the database failed" in section(response.text, "alerts")
    assert "unavailable" not in section(response.text, "versions")


def test_flag_reasons_are_escaped_and_staleness_is_shown(runtime: Runtime) -> None:
    """Text from the store is HTML-escaped; a flag change shows who, when and why."""
    stored.set_flag(
        runtime.store,
        actor="key:x (<i>ops</i>)",
        name="long-context",
        value=55,
        reason="<script>alert(1)</script>",
        definitions=runtime.flags.definitions,
    )
    assert runtime.flags.refresh()
    flags = section(signed_in(runtime).get("/ui").text, "flags")
    assert "<script>" not in flags and "&lt;script&gt;alert(1)&lt;/script&gt;" in flags
    assert "<i>ops</i>" not in flags
    assert re.search(r'data-flag="long-context".*?<code>55</code>', flags, re.S)
    assert re.search(r"loaded (just now|\d+ s ago)", flags)
    assert str(escape("by key:x (<i>ops</i>)")) in flags
