"""Cutover checks: rollback conditions, the cutover plan, the golden set and the canary record."""

from __future__ import annotations

from lockgate.manifest.cutover import Strategy
from lockgate.readiness.checks.common import age, facts, people
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

JUDGED = (Strategy.CANARY.value, Strategy.SHADOW.value)
"""Strategies whose analysis judges a candidate on live traffic."""


def rollback_conditions(evidence: Evidence) -> Outcome:
    """The rollout declares the metric rules that decide a rollback, so a machine can decide."""
    analysis = evidence.manifest.rollout.analysis
    if "metrics" not in analysis.model_fields_set:
        return failed(
            "rollout.analysis.metrics is not declared: the rollback conditions are defaults "
            "nobody chose",
            ("rollout",),
        )
    names = ", ".join(str(rule.metric) for rule in analysis.metrics)
    return passed(
        f"rollback on {names} (alpha {analysis.alpha:g}, deadline {analysis.deadline:g} s)"
    )


def cutover_plan(evidence: Evidence) -> Outcome:
    """The cutover plan has steps, exit criteria (a post-promotion watch) and named approvers."""
    rollout = evidence.manifest.rollout
    where = ("rollout",)
    if rollout.strategy is Strategy.CANARY and not rollout.steps:
        return failed("the canary has no steps", where)
    if rollout.post_promotion_watch <= 0:
        return failed("no post-promotion watch: nothing judges the promoted version", where)
    if rollout.approval_required is False:
        return failed("approval_required is false", (*where, "approval_required"))
    if not rollout.approvers:
        return failed("no approvers are named", where)
    strangers = [name for name in rollout.approvers if name not in people(evidence.manifest)]
    if strangers:
        return failed(
            f"approvers {', '.join(strangers)} are not under ownership.people",
            (*where, "approvers"),
        )
    return passed(
        f"{rollout.strategy} in {len(rollout.steps)} steps, watched "
        f"{rollout.post_promotion_watch:g} s after promotion, "
        f"approved by {', '.join(rollout.approvers)}"
    )


def golden_set(evidence: Evidence) -> Outcome:
    """A golden set exists for pre-flight checks of every candidate."""
    path = evidence.manifest.rollout.golden_set
    if path is None:
        return failed("no rollout.golden_set is configured", ("rollout",))
    text = evidence.file(path)
    if text is None:
        return failed(f"the golden set {path} does not exist", ("rollout", "golden_set"))
    cases = sum(1 for line in text.splitlines() if line.strip())
    if cases == 0:
        return failed(f"the golden set {path} is empty", ("rollout", "golden_set"))
    return passed(f"{cases} golden cases in {path}")


def production_version_judged(evidence: Evidence) -> Outcome:
    """The version serving production was promoted by a canary or shadow rollout."""
    store = facts(evidence)
    if isinstance(store, Outcome):
        return store
    service, stable = evidence.service, evidence.manifest.stable_version
    where = ("versions", stable)
    subject = f"{service}/{stable}"
    proofs = [p for p in store.proofs_of("rollout") if p.subject == subject]
    for proof in proofs:
        if proof.passed and proof.details.get("strategy", JUDGED[0]) in JUDGED:
            return passed(f"{subject} passed a rollout {age(evidence.now, proof.at)}", where)
    for fact in store.rollouts:
        if fact.candidate == stable and fact.phase == "stable" and fact.strategy in JUDGED:
            when = fact.finished_at or fact.promoted_at
            shown = f" {age(evidence.now, when)}" if when else ""
            return passed(
                f"{stable} was promoted by {fact.strategy} rollout {fact.id}{shown}", where
            )
    tried = [fact for fact in store.rollouts if fact.candidate == stable]
    if tried or proofs:
        return failed(
            f"{stable} has {len(tried)} rollouts and {len(proofs)} rollout records, none a "
            "promotion by canary or shadow",
            where,
        )
    return missing(f"no canary or shadow rollout of {stable} is recorded", where)


def cutover_windows(evidence: Evidence) -> Outcome:
    """Rollouts may only start in declared cutover windows."""
    windows = evidence.manifest.rollout.windows
    if not windows:
        return failed("no cutover windows: rollouts may start at any hour", ("rollout",))
    shown = "; ".join(f"{','.join(w.days)} {w.start}-{w.end} {w.timezone}" for w in windows)
    return passed(shown)


CHECKS = (
    Check(
        id="CUT-001",
        anchor=("rollout", "analysis"),
        title="Rollback conditions are machine-evaluable",
        area=Area.CUTOVER,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Declare rollout.analysis.metrics (error rate, latency, quality) with "
        "tolerances and ceilings, so the controller decides rollbacks, not a person at 3 am.",
        run=rollback_conditions,
        references=References(
            nist_ai_rmf="MANAGE 2.4",
            eu_ai_act="Art. 14",
            iso_42001="A.6.2.5",
            sre="Automation: canaries under live traffic, staged rollouts",
        ),
    ),
    Check(
        id="CUT-002",
        anchor=("rollout",),
        title="The cutover plan has steps, exit criteria and approvers",
        area=Area.CUTOVER,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Fill rollout.steps, keep a post_promotion_watch, and name approvers.",
        run=cutover_plan,
        references=References(
            nist_ai_rmf="MANAGE 4.1",
            iso_42001="A.6.2.5",
            sre="Automation: release process, staged rollouts",
        ),
    ),
    Check(
        id="CUT-003",
        anchor=("rollout", "golden_set"),
        title="A golden set gates every candidate",
        area=Area.CUTOVER,
        gate=Gate.STAGING,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="Write a JSONL golden set (prompt and expected answer) and set "
        "rollout.golden_set to it.",
        run=golden_set,
        references=References(
            nist_ai_rmf="MEASURE 2.1",
            eu_ai_act="Art. 15",
            iso_42001="A.6.2.4",
            sre="Capacity: load test, end-to-end test",
        ),
    ),
    Check(
        id="CUT-004",
        anchor=("versions",),
        title="The production version passed a canary or shadow",
        area=Area.CUTOVER,
        gate=Gate.PRODUCTION,
        severity=Severity.HIGH,
        kind=Kind.LIVE,
        remediation="Promote the stable version through `lockgate rollout start` with the "
        "canary or shadow strategy.",
        run=production_version_judged,
        references=References(
            nist_ai_rmf="MEASURE 2.3",
            iso_42001="A.6.2.5",
            sre="Automation: canaries under live traffic",
        ),
    ),
    Check(
        id="CUT-005",
        anchor=("rollout", "windows"),
        title="Cutover windows are declared",
        area=Area.CUTOVER,
        gate=Gate.PRODUCTION,
        severity=Severity.LOW,
        kind=Kind.STATIC,
        remediation="Add rollout.windows (days, start, end, timezone) when people are around.",
        run=cutover_windows,
        references=References(sre="Schedule and rollout planning"),
    ),
)
