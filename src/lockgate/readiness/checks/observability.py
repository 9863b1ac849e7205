"""Observability checks: quality SLI, alerts and runbooks per SLO, paging, live data and drift."""

from __future__ import annotations

import datetime as dt

from lockgate.errors import ConfigError
from lockgate.manifest.reliability import Severity as AlertSeverity
from lockgate.manifest.reliability import SLIKind
from lockgate.monitor.alerts.definitions import AlertDefinition, alert_definitions
from lockgate.readiness.checks.common import DAY, age, days, facts, judge_recent, runbook_ids
from lockgate.readiness.evidence import Evidence
from lockgate.readiness.model import (
    Area,
    Check,
    Gate,
    Kind,
    Outcome,
    References,
    Severity,
    failed,
    missing,
    passed,
)

ALERT_TEST_WINDOW = dt.timedelta(days=30)
SLI_HISTORY = dt.timedelta(days=7)
SLI_SILENCE = dt.timedelta(days=1)
DRIFT_WINDOW = dt.timedelta(days=1)
DRIFT_KIND = "drift.window"


def quality_sli(evidence: Evidence) -> Outcome:
    """At least one SLO measures answer quality, not only availability and latency."""
    slos = evidence.manifest.slos
    quality = [slo.name for slo in slos if slo.sli is SLIKind.QUALITY]
    if not quality:
        kinds = ", ".join(sorted({slo.sli.value for slo in slos})) or "none"
        return failed(f"no SLO measures quality (SLIs: {kinds})", ("slos",))
    return passed(f"quality SLOs: {', '.join(quality)}")


def slo_alert_and_runbook(evidence: Evidence) -> Outcome:
    """Every SLO notifies someone when its budget burns and names an existing runbook."""
    slos = evidence.manifest.slos
    if not slos:
        return failed("no SLOs are declared", ("slos",))
    runbooks = runbook_ids(evidence.manifest)
    for index, slo in enumerate(slos):
        if not slo.notify:
            return failed(f"SLO {slo.name} alerts nobody (notify is empty)", ("slos", index))
        if slo.runbook is None:
            return failed(f"SLO {slo.name} names no runbook", ("slos", index))
        if slo.runbook not in runbooks:
            return failed(
                f"SLO {slo.name} names runbook {slo.runbook!r}, which is not under runbooks",
                ("slos", index, "runbook"),
            )
    return passed(f"all {len(slos)} SLOs alert and have a runbook")


def _paging(evidence: Evidence) -> tuple[AlertDefinition, ...] | Outcome:
    try:
        definitions = alert_definitions(evidence.manifest)
    except ConfigError as exc:
        return failed(exc.message, ("alerts",))
    return tuple(d for d in definitions if d.severity is AlertSeverity.PAGE and d.notify)


def paging_routed(evidence: Evidence) -> Outcome:
    """A paging alert reaches a notifier, and every paging rule notifies someone."""
    for index, rule in enumerate(evidence.manifest.alerts.rules):
        if rule.severity is AlertSeverity.PAGE and not rule.notify:
            return failed(f"paging rule {rule.name} notifies nobody", ("alerts", "rules", index))
    paging = _paging(evidence)
    if isinstance(paging, Outcome):
        return paging
    if not paging:
        return failed("no alert pages anyone", ("alerts",))
    return passed(f"{len(paging)} paging alerts: {', '.join(d.key for d in paging)}")


def paging_tested(evidence: Evidence) -> Outcome:
    """A paging alert was test-fired and delivered within 30 days."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    paging = _paging(evidence)
    if isinstance(paging, Outcome):
        return paging
    keys = {definition.key for definition in paging}
    if not keys:
        return failed("no alert pages anyone, so none can be tested", ("alerts",))
    now = evidence.now
    tests = sorted(
        (t for t in store.alert_tests if t.rule in keys), key=lambda t: t.at, reverse=True
    )
    for test in tests:
        if test.delivered and now - test.at <= ALERT_TEST_WINDOW:
            return passed(f"{test.rule} reached {test.notifier} {age(now, test.at)}")
    proofs = [p for p in store.proofs_of("alert.test") if p.subject in keys]
    if proofs or not tests:
        return judge_recent(proofs, now, ALERT_TEST_WINDOW, "paging alert test")
    last = tests[0]
    outcome = "was delivered" if last.delivered else "was NOT delivered"
    return failed(
        f"no paging alert delivered a test within {days(ALERT_TEST_WINDOW)}; "
        f"the last test ({last.rule}) {outcome} {age(now, last.at)}"
    )


def sli_history(evidence: Evidence) -> Outcome:
    """The request log has seven days of the service's traffic, up to the last day."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    span = store.requests
    if span is None:
        return missing(f"the request log has no requests for {evidence.service} yet")
    now = evidence.now
    if now - span.last > SLI_SILENCE:
        return failed(f"the newest request is from {age(now, span.last)}: the SLIs went quiet")
    covered = now - span.first
    if covered < SLI_HISTORY:
        return failed(
            f"the request log spans {covered / DAY:.1f} days of the {days(SLI_HISTORY)} needed"
        )
    return passed(f"requests logged from {covered / DAY:.1f} days ago to {age(now, span.last)}")


def drift_ran(evidence: Evidence) -> Outcome:
    """A drift monitor is configured and closed a window within the last day."""
    drift = evidence.manifest.monitors.drift
    if drift is None or not drift.enabled:
        return failed("no drift monitor is configured", ("monitors",))
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    return judge_recent(store.proofs_of(DRIFT_KIND), evidence.now, DRIFT_WINDOW, "drift window")


CHECKS = (
    Check(
        id="OBS-001",
        anchor=("slos",),
        title="SLOs include a quality SLI",
        area=Area.OBSERVABILITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Add an SLO with sli: quality and min_score, fed by feedback or golden probes.",
        run=quality_sli,
        references=References(
            nist_ai_rmf="MEASURE 2.4",
            eu_ai_act="Art. 15",
            iso_42001="A.6.2.6",
            sre="Monitoring: monitoring end-to-end behavior",
        ),
    ),
    Check(
        id="OBS-002",
        anchor=("slos",),
        title="Every SLO has an alert and a runbook",
        area=Area.OBSERVABILITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Give each SLO notify: [...] and runbook: <id of a runbook under runbooks>.",
        run=slo_alert_and_runbook,
        references=References(
            nist_ai_rmf="MANAGE 4.1",
            iso_42001="A.6.2.6",
            sre="Monitoring: managing alerts",
        ),
    ),
    Check(
        id="OBS-003",
        anchor=("alerts", "rules"),
        title="A paging alert reaches a notifier",
        area=Area.OBSERVABILITY,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Add a notifier and route at least one severity: page rule (or an SLO) to it.",
        run=paging_routed,
        references=References(nist_ai_rmf="MANAGE 4.1", sre="Monitoring: managing alerts"),
    ),
    Check(
        id="OBS-004",
        anchor=("alerts", "rules"),
        title="A paging alert was test-fired in the last 30 days",
        area=Area.OBSERVABILITY,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.LIVE,
        freshness=ALERT_TEST_WINDOW,
        remediation="Run `lockgate alerts test <rule>` for a paging alert and confirm the page.",
        run=paging_tested,
        references=References(
            nist_ai_rmf="MANAGE 4.1", sre="Monitoring: monitoring the monitoring"
        ),
    ),
    Check(
        id="OBS-005",
        anchor=("slos",),
        title="SLIs have emitted data for 7 days",
        area=Area.OBSERVABILITY,
        gate=Gate.PRODUCTION,
        severity=Severity.MEDIUM,
        kind=Kind.LIVE,
        freshness=SLI_HISTORY,
        remediation="Serve staging or shadow traffic through the gateway for a week first.",
        run=sli_history,
        references=References(
            nist_ai_rmf="MEASURE 2.4",
            eu_ai_act="Art. 12",
            iso_42001="A.6.2.8",
            sre="Monitoring: monitoring internal state",
        ),
    ),
    Check(
        id="OBS-006",
        anchor=("monitors", "drift"),
        title="The drift monitor ran in the last day",
        area=Area.OBSERVABILITY,
        gate=Gate.PRODUCTION,
        severity=Severity.MEDIUM,
        kind=Kind.LIVE,
        freshness=DRIFT_WINDOW,
        remediation="Configure monitors.drift with a reference profile and keep the gateway's "
        "drift monitor running; each closed window is recorded as drift.window evidence.",
        run=drift_ran,
        references=References(
            nist_ai_rmf="MEASURE 3.1",
            eu_ai_act="Art. 72",
            iso_42001="A.6.2.6",
        ),
    ),
)
