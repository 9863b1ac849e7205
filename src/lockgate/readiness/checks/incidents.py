"""Fallback and incident response: the chain, on-call, runbooks, and drills that prove them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from lockgate.manifest.cutover import HandoffAction, StaticAction, VersionAction
from lockgate.manifest.governance import Runbook
from lockgate.readiness.checks.common import (
    age,
    days,
    facts,
    judge_recent,
    people,
)
from lockgate.readiness.evidence import Evidence
from lockgate.readiness.frontmatter import missing_fields, split
from lockgate.readiness.model import (
    Area,
    Check,
    Gate,
    Kind,
    Outcome,
    Path,
    References,
    Severity,
    failed,
    missing,
    passed,
)

DRILL_WINDOW = dt.timedelta(days=30)
ROLLBACK_TARGET_S = 300.0
"""Default time target of a rollback drill, when its evidence does not state ``target_s``."""
ROLLBACK_DRILLS = frozenset({"bad-release", "rollback"})
"""Drill subjects that rehearse a rollback: ``lockgate drill run bad-release`` records the first."""
KILL_SWITCH_DRILL = "kill-switch"
SAFE_ENDINGS = (StaticAction, HandoffAction, VersionAction)


def fallback_chain(evidence: Evidence) -> Outcome:
    """Failures trigger a fallback chain that ends in another version, a safe answer or a human."""
    spec = evidence.manifest.fallback
    if not spec.chain:
        return failed("no fallback chain: a failed upstream call is an error", ("fallback",))
    if not spec.triggers:
        return failed("the fallback chain has no triggers", ("fallback", "triggers"))
    last = spec.chain[-1]
    if not isinstance(last, SAFE_ENDINGS):
        return failed(
            f"the chain ends in a {last.action}: it needs a last resort (version, static, handoff)",
            ("fallback", "chain", len(spec.chain) - 1),
        )
    steps = " -> ".join(action.action for action in spec.chain)
    return passed(f"{steps} on {', '.join(trigger.value for trigger in spec.triggers)}")


def on_call(evidence: Evidence) -> Outcome:
    """An on-call rotation, a channel and an escalation path of named people."""
    section = evidence.manifest.ownership.on_call
    where = ("ownership", "on_call")
    if not section.rotation.strip():
        return failed("no on-call rotation is named", where)
    if not section.channel.strip():
        return failed("no on-call channel is named", where)
    if not section.escalation:
        return failed("no escalation path is named", where)
    strangers = [name for name in section.escalation if name not in people(evidence.manifest)]
    if strangers:
        return failed(
            f"escalation names {', '.join(strangers)}, not under ownership.people",
            (*where, "escalation"),
        )
    return passed(
        f"{section.rotation} on {section.channel}; escalation {' -> '.join(section.escalation)}"
    )


def runbooks_written(evidence: Evidence) -> Outcome:
    """Every runbook has a file whose front matter states trigger, severity, steps and owner."""
    runbooks = evidence.manifest.runbooks
    if not runbooks:
        return failed("no runbooks are declared", ("runbooks",))
    for index, runbook in enumerate(runbooks):
        problem = _runbook_problem(evidence, runbook)
        if problem is not None:
            message, field = problem
            return failed(message, ("runbooks", index, *field))
    return passed(f"{len(runbooks)} runbooks with trigger, severity, steps and owner")


def _runbook_problem(evidence: Evidence, runbook: Runbook) -> tuple[str, Path] | None:
    if runbook.path is None:
        return f"runbook {runbook.id} has no path to its Markdown file", ()
    text = evidence.file(runbook.path)
    if text is None:
        return f"runbook {runbook.id}: {runbook.path} does not exist", ("path",)
    document = split(text)
    if document.error:
        return f"{runbook.path}: {document.error}", ("path",)
    absent = missing_fields(document.meta)
    if absent:
        return f"{runbook.path}: the front matter lacks {', '.join(absent)}", ("path",)
    owner = str(document.meta["owner"])
    if owner not in people(evidence.manifest):
        return f"{runbook.path}: owner {owner!r} is not under ownership.people", ("path",)
    return None


def _rollback_timing(details: dict[str, Any]) -> tuple[object, float]:
    """Time to roll back and its target: ``timings.mitigate`` of a drill report, else
    ``duration_s``; ``targets.mitigate``, else ``target_s``, else the default."""
    timings = details.get("timings") or {}
    targets = details.get("targets") or {}
    took = timings.get("mitigate", details.get("duration_s"))
    target = targets.get("mitigate") or details.get("target_s") or ROLLBACK_TARGET_S
    return took, float(target)


def rollback_drill(evidence: Evidence) -> Outcome:
    """A rollback drill passed within 30 days and finished within its time target."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    now = evidence.now
    drills = [p for p in store.proofs_of("drill") if p.subject in ROLLBACK_DRILLS]
    recent = [p for p in drills if p.passed and now - p.at <= DRILL_WINDOW]
    for proof in recent:
        took, target = _rollback_timing(proof.details)
        if isinstance(took, int | float) and took <= target:
            return passed(
                f"rollback drill passed {age(now, proof.at)} in {took:.0f} s "
                f"(target {target:.0f} s)"
            )
    if recent:
        took, target = _rollback_timing(recent[0].details)
        shown = f"{float(took):.0f} s" if isinstance(took, int | float) else "an unrecorded time"
        return failed(f"the last rollback drill took {shown}, over its {target:.0f} s target")
    return judge_recent(drills, now, DRILL_WINDOW, "rollback drill")


def kill_switch(evidence: Evidence) -> Outcome:
    """The kill switch was flipped (audited flag.set) or drilled within 30 days."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    now = evidence.now
    flag = f"{evidence.service}.enabled"
    flips = sorted(
        (c for c in store.flag_changes if c.flag == flag and now - c.at <= DRILL_WINDOW),
        key=lambda change: change.at,
        reverse=True,
    )
    if flips:
        return passed(
            f"{flag} set to {flips[0].value!r} by {flips[0].actor} {age(now, flips[0].at)}"
        )
    drills = [p for p in store.proofs_of("drill") if p.subject == KILL_SWITCH_DRILL]
    if drills:
        return judge_recent(drills, now, DRILL_WINDOW, "kill-switch drill")
    return missing(f"{flag} was not set within {days(DRILL_WINDOW)} and no drill is recorded")


def backup_restored(evidence: Evidence) -> Outcome:
    """A backup was restored and verified within 30 days."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    return judge_recent(store.proofs_of("backup.restore"), evidence.now, DRILL_WINDOW, "restore")


CHECKS = (
    Check(
        id="INC-001",
        anchor=("fallback",),
        title="A fallback chain ends in a safe last resort",
        area=Area.INCIDENTS,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Add fallback.chain ending in a version, a static answer or a hand-off.",
        run=fallback_chain,
        references=References(
            nist_ai_rmf="MEASURE 2.6",
            eu_ai_act="Art. 15",
            sre="Reliability: how to detect when backends die, and what to do when they die",
        ),
    ),
    Check(
        id="INC-002",
        anchor=("ownership", "on_call"),
        title="On-call rotation, channel and escalation are named",
        area=Area.INCIDENTS,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Fill ownership.on_call: rotation, channel, and escalation (people handles).",
        run=on_call,
        references=References(
            nist_ai_rmf="GOVERN 2.1",
            iso_42001="A.3.2",
            sre="Monitoring: managing alerts",
        ),
    ),
    Check(
        id="INC-003",
        anchor=("runbooks",),
        title="Runbooks exist with trigger, severity, steps and owner",
        area=Area.INCIDENTS,
        gate=Gate.STAGING,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="Give each runbook a path to a Markdown file with YAML front matter "
        "(trigger, severity, steps, owner); `lockgate init` writes examples.",
        run=runbooks_written,
        references=References(nist_ai_rmf="MANAGE 2.3", iso_42001="A.8.4"),
    ),
    Check(
        id="INC-004",
        anchor=("rollout",),
        title="A rollback drill passed within its time target in 30 days",
        area=Area.INCIDENTS,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.LIVE,
        freshness=DRILL_WINDOW,
        remediation="Rehearse a rollback (start a rollout, roll it back) and record drill "
        "evidence: `lockgate drill run bad-release` does both.",
        run=rollback_drill,
        references=References(
            nist_ai_rmf="MANAGE 2.4",
            sre="Automation: release process, canaries under live traffic, staged rollouts",
        ),
    ),
    Check(
        id="INC-005",
        anchor=("flags",),
        title="The kill switch was exercised in 30 days",
        area=Area.INCIDENTS,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.LIVE,
        freshness=DRILL_WINDOW,
        remediation="Flip <service>.enabled off and on in a drill (`lockgate flags set`), or "
        "record drill evidence with subject 'kill-switch'.",
        run=kill_switch,
        references=References(nist_ai_rmf="MANAGE 2.4", eu_ai_act="Art. 14"),
    ),
    Check(
        id="INC-006",
        anchor=("gateway",),
        title="A backup was restored and verified in 30 days",
        area=Area.INCIDENTS,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.LIVE,
        freshness=DRILL_WINDOW,
        remediation="Restore the latest database backup into a scratch database, verify it "
        "(row counts, `lockgate audit verify`) and record backup.restore evidence.",
        run=backup_restored,
        references=References(sre="Reliability: data backup/restore, disaster recovery"),
    ),
)
