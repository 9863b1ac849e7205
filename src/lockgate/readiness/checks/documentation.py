"""Documentation and ownership: the RACI matrix, the model card and its failure modes."""

from __future__ import annotations

from lockgate.manifest.governance import Activity
from lockgate.readiness.checks.common import PLACEHOLDER, people, placeholders, runbook_ids
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
    passed,
)


def raci(evidence: Evidence) -> Outcome:
    """Every activity has exactly one Accountable and at least one Responsible, all named."""
    ownership = evidence.manifest.ownership
    known = people(evidence.manifest)
    for activity in Activity:
        where = ("ownership", "raci", activity.value)
        entry = ownership.raci.get(activity)
        if entry is None:
            return failed(f"{activity.value} has no RACI entry", ("ownership", "raci"))
        if len(entry.accountable) != 1:
            return failed(
                f"{activity.value} has {len(entry.accountable)} accountable; exactly one is needed",
                where,
            )
        if not entry.responsible:
            return failed(f"{activity.value} has nobody responsible", where)
        named = entry.responsible + entry.accountable + entry.consulted + entry.informed
        strangers = sorted({name for name in named if name not in known})
        if strangers:
            return failed(
                f"{activity.value} names {', '.join(strangers)}, not under ownership.people", where
            )
    names = [person.name for person in ownership.people.values()]
    if placeholders(names):
        return failed(f"ownership.people still has {PLACEHOLDER} placeholders", ("ownership",))
    return passed(f"all {len(Activity)} activities have one accountable and a responsible")


def model_card(evidence: Evidence) -> Outcome:
    """The model card states purpose, intended users, out-of-scope uses, limitations, failures."""
    card = evidence.manifest.model_card
    parts = {
        "purpose": bool(card.purpose.strip()),
        "intended_users": bool(card.intended_users.strip()),
        "out_of_scope": bool(card.out_of_scope),
        "limitations": bool(card.limitations),
        "failure_modes": bool(card.failure_modes),
    }
    absent = [name for name, present in parts.items() if not present]
    if absent:
        return failed(f"the model card does not state {', '.join(absent)}", ("model_card",))
    texts = [card.purpose, card.intended_users, *card.out_of_scope, *card.limitations]
    if placeholders(texts):
        return failed(f"the model card still has {PLACEHOLDER} placeholders", ("model_card",))
    return passed(
        f"purpose, users, {len(card.out_of_scope)} out-of-scope uses, "
        f"{len(card.limitations)} limitations, {len(card.failure_modes)} failure modes"
    )


def failure_modes(evidence: Evidence) -> Outcome:
    """Each failure mode says how it is detected, how it is mitigated, and names a runbook."""
    modes = evidence.manifest.model_card.failure_modes
    if not modes:
        return failed("no failure modes are listed", ("model_card",))
    runbooks = runbook_ids(evidence.manifest)
    for index, mode in enumerate(modes):
        where = ("model_card", "failure_modes", index)
        absent = [
            name
            for name, value in (("detection", mode.detection), ("mitigation", mode.mitigation))
            if not value.strip()
        ]
        if absent:
            return failed(f"failure mode {mode.name!r} lacks {' and '.join(absent)}", where)
        if mode.runbook is None:
            return failed(f"failure mode {mode.name!r} names no runbook", where)
        if mode.runbook not in runbooks:
            return failed(
                f"failure mode {mode.name!r} names runbook {mode.runbook!r}, not under runbooks",
                (*where, "runbook"),
            )
    return passed(f"{len(modes)} failure modes with detection, mitigation and a runbook")


def evaluation(evidence: Evidence) -> Outcome:
    """Offline evaluation figures are recorded in the model card."""
    figures = evidence.manifest.model_card.evaluation
    if not figures:
        return failed("the model card records no evaluation figures", ("model_card",))
    shown = ", ".join(f"{name} {value:g}" for name, value in sorted(figures.items()))
    return passed(shown)


CHECKS = (
    Check(
        id="DOC-001",
        anchor=("ownership", "raci"),
        title="One Accountable and a Responsible per RACI activity",
        area=Area.DOCUMENTATION,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Fill ownership.raci for model_selection, data_governance, deployment, "
        "on_call and incident_response: one accountable, at least one responsible.",
        run=raci,
        references=References(
            nist_ai_rmf="GOVERN 2.1",
            eu_ai_act="Art. 17",
            iso_42001="A.3.2",
        ),
    ),
    Check(
        id="DOC-002",
        anchor=("model_card",),
        title="The model card states purpose, scope and limitations",
        area=Area.DOCUMENTATION,
        gate=Gate.STAGING,
        severity=Severity.HIGH,
        kind=Kind.STATIC,
        remediation="Fill model_card: purpose, intended_users, out_of_scope, limitations and "
        "failure_modes.",
        run=model_card,
        references=References(
            nist_ai_rmf="MAP 2.2",
            eu_ai_act="Art. 13",
            iso_42001="A.9.4",
        ),
    ),
    Check(
        id="DOC-003",
        anchor=("model_card", "failure_modes"),
        title="Each failure mode has detection, mitigation and a runbook",
        area=Area.DOCUMENTATION,
        gate=Gate.STAGING,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="For every model_card.failure_modes entry write detection and mitigation "
        "and name a runbook id declared under runbooks.",
        run=failure_modes,
        references=References(
            nist_ai_rmf="MEASURE 2.6",
            eu_ai_act="Art. 9",
            iso_42001="A.6.2.7",
        ),
    ),
    Check(
        id="DOC-004",
        anchor=("model_card", "evaluation"),
        title="Offline evaluation figures are recorded",
        area=Area.DOCUMENTATION,
        gate=Gate.STAGING,
        severity=Severity.MEDIUM,
        kind=Kind.STATIC,
        remediation="Record the offline evaluation (e.g. accuracy per version) under "
        "model_card.evaluation.",
        run=evaluation,
        references=References(
            nist_ai_rmf="MEASURE 2.3",
            eu_ai_act="Art. 15",
            iso_42001="A.6.2.4",
        ),
    ),
)
