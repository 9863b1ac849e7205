"""Every check passes on complete evidence and fails, on purpose, when one thing is broken."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import pytest

from lockgate.readiness.checks import CHECKS, by_id
from lockgate.readiness.evidence import (
    AlertTestFact,
    AuditState,
    FlagChange,
    RequestSpan,
    RolloutFact,
)
from lockgate.readiness.model import Status
from tests.readiness.support import DAY, NOW, SERVICE, Scenario, key, proof

Mutation = Callable[[Scenario], None]


def facts(**changes: object) -> Mutation:
    """Replace fields of the store facts."""

    def mutate(s: Scenario) -> None:
        assert s.facts is not None
        s.facts = dataclasses.replace(s.facts, **changes)  # type: ignore[arg-type]

    return mutate


def offline(s: Scenario) -> None:
    """No store was read."""
    s.facts = None


def add_key(*keys: object) -> Mutation:
    """Add keys to the store facts."""

    def mutate(s: Scenario) -> None:
        assert s.facts is not None
        s.facts = dataclasses.replace(s.facts, keys=(*s.facts.keys, *keys))  # type: ignore[arg-type]

    return mutate


def drop_proofs(kind: str, *extra: object) -> Mutation:
    """Remove every proof of ``kind``, then add ``extra`` proofs."""

    def mutate(s: Scenario) -> None:
        assert s.facts is not None
        kept = tuple(p for p in s.facts.proofs if p.kind != kind)
        s.facts = dataclasses.replace(s.facts, proofs=(*kept, *extra))  # type: ignore[arg-type]

    return mutate


def edit(change: Callable[[dict], object]) -> Mutation:  # type: ignore[type-arg]
    """Change the manifest data."""

    def mutate(s: Scenario) -> None:
        change(s.data)

    return mutate


def file(name: str, text: str | None) -> Mutation:
    """Replace (or remove, with None) a named file."""

    def mutate(s: Scenario) -> None:
        s.files[name] = text

    return mutate


def comment(line: str) -> Mutation:
    """Append a comment line to the manifest text."""

    def mutate(s: Scenario) -> None:
        s.text = s.manifest_text() + f"# {line}\n"

    return mutate


def _pop(mapping: dict, name: str) -> None:  # type: ignore[type-arg]
    mapping.pop(name)


SEC = lambda d: d["security"]  # noqa: E731
REVIEW = lambda d: d["security"]["review"]  # noqa: E731
MODEL = lambda d: d["model_card"]  # noqa: E731
RUNBOOK = "runbooks/drift.md"
GOOD_RUNBOOK = "---\ntrigger: t\nseverity: page\nowner: amara\nsteps: [a]\n---\n"

FAIL, NONE = Status.FAIL, Status.NO_EVIDENCE

CASES: list[tuple[str, str, Mutation, Status, str]] = [
    ("SEC-001", "no-review", edit(lambda d: _pop(SEC(d), "review")), FAIL, "no security review"),
    (
        "SEC-001",
        "old",
        edit(lambda d: REVIEW(d).update(date=(NOW - 100 * DAY).date())),
        FAIL,
        "100 days ago",
    ),
    (
        "SEC-001",
        "future",
        edit(lambda d: REVIEW(d).update(date=(NOW + DAY).date())),
        FAIL,
        "future",
    ),
    (
        "SEC-001",
        "no-privacy",
        edit(lambda d: REVIEW(d)["participants"].pop(1)),
        FAIL,
        "nobody from privacy",
    ),
    (
        "SEC-001",
        "open-high",
        edit(lambda d: REVIEW(d)["findings"][0].update(severity="high")),
        FAIL,
        "F-1",
    ),
    (
        "SEC-002",
        "no-actors",
        edit(lambda d: SEC(d)["threat_model"].update(actors=[])),
        FAIL,
        "no actors",
    ),
    (
        "SEC-002",
        "bare-asset",
        edit(lambda d: SEC(d)["threat_model"]["critical_assets"].append({"name": "weights"})),
        FAIL,
        "weights",
    ),
    (
        "SEC-002",
        "planned",
        edit(lambda d: SEC(d)["threat_model"]["mitigations"][0].update(status="planned")),
        FAIL,
        "api-keys",
    ),
    (
        "SEC-002",
        "unknown-asset",
        edit(lambda d: SEC(d)["threat_model"]["mitigations"][0].update(assets=["x"])),
        FAIL,
        "unknown assets",
    ),
    (
        "SEC-003",
        "undeclared-key",
        add_key(key("intern", "interactions:read")),
        FAIL,
        "intern (interactions:read)",
    ),
    (
        "SEC-003",
        "missing-key",
        facts(keys=(key("dpo-review", "interactions:read"),)),
        FAIL,
        "ci-deploy",
    ),
    ("SEC-003", "no-capability", edit(lambda d: SEC(d)["access"].pop(1)), FAIL, "read_live_data"),
    (
        "SEC-003",
        "stranger",
        edit(lambda d: SEC(d)["access"][0].update(people=["zed"])),
        FAIL,
        "zed",
    ),
    ("SEC-003", "offline", offline, NONE, "offline"),
    ("SEC-004", "comment", comment("old key sk-abcdefghijklmnopqrstuvwx"), FAIL, "OpenAI-style"),
    ("SEC-004", "runbook", file(RUNBOOK, "token ghp_" + "a1" * 18), FAIL, "runbooks/drift.md:1"),
    ("SEC-005", "forever", add_key(key("forever", "invoke", expires=None)), FAIL, "forever"),
    ("SEC-005", "offline", offline, NONE, "offline"),
    ("SEC-006", "mixed", add_key(key("god", "keys:admin", "invoke")), FAIL, "god"),
    (
        "SEC-007",
        "verify-off",
        edit(lambda d: d["versions"]["v2"].update(verify_tls=False)),
        FAIL,
        "v2",
    ),
    (
        "SEC-007",
        "plain-http",
        edit(lambda d: d["versions"]["v3"].update(upstream="http://10.1.2.3:80")),
        FAIL,
        "plain HTTP",
    ),
    ("SEC-008", "broken", facts(audit=AuditState(9, 7, "it was edited")), FAIL, "record 7"),
    ("SEC-008", "empty", facts(audit=AuditState(0)), NONE, "no records"),
    ("SEC-008", "offline", offline, NONE, "offline"),
    ("OBS-001", "no-quality", edit(lambda d: d["slos"].pop(2)), FAIL, "no SLO measures quality"),
    ("OBS-002", "silent", edit(lambda d: d["slos"][0].update(notify=[])), FAIL, "alerts nobody"),
    (
        "OBS-002",
        "no-runbook",
        edit(lambda d: d["slos"][1].pop("runbook")),
        FAIL,
        "names no runbook",
    ),
    ("OBS-002", "bad-runbook", edit(lambda d: d["slos"][1].update(runbook="nope")), FAIL, "'nope'"),
    ("OBS-002", "no-slos", edit(lambda d: d.update(slos=[])), FAIL, "no SLOs"),
    (
        "OBS-003",
        "no-page",
        edit(
            lambda d: (
                d["alerts"]["rules"][0].update(severity="ticket"),
                [s.update(notify=[]) for s in d["slos"]],
            )
        ),
        FAIL,
        "no alert pages",
    ),
    (
        "OBS-003",
        "mute-page",
        edit(lambda d: d["alerts"]["rules"][0].update(notify=[])),
        FAIL,
        "notifies nobody",
    ),
    (
        "OBS-004",
        "old-test",
        facts(
            alert_tests=(
                AlertTestFact("high-error-rate", "oncall", delivered=True, at=NOW - 31 * DAY),
            )
        ),
        FAIL,
        "no paging alert delivered",
    ),
    (
        "OBS-004",
        "undelivered",
        facts(
            alert_tests=(AlertTestFact("high-error-rate", "oncall", delivered=False, at=NOW - DAY),)
        ),
        FAIL,
        "NOT delivered",
    ),
    (
        "OBS-004",
        "ticket-only",
        facts(
            alert_tests=(
                AlertTestFact("slo:latency:ticket", "oncall", delivered=True, at=NOW - DAY),
            )
        ),
        NONE,
        "no paging alert test",
    ),
    ("OBS-004", "none", facts(alert_tests=()), NONE, "no paging alert test"),
    ("OBS-005", "no-requests", facts(requests=None), NONE, "no requests"),
    ("OBS-005", "short", facts(requests=RequestSpan(NOW - 3 * DAY, NOW)), FAIL, "3.0 days"),
    (
        "OBS-005",
        "quiet",
        facts(requests=RequestSpan(NOW - 30 * DAY, NOW - 2 * DAY)),
        FAIL,
        "went quiet",
    ),
    ("OBS-006", "unconfigured", edit(lambda d: d.pop("monitors")), FAIL, "no drift monitor"),
    (
        "OBS-006",
        "stale",
        drop_proofs("drift.window", proof("drift.window", SERVICE, 2 * DAY)),
        FAIL,
        "2.0 days ago",
    ),
    ("OBS-006", "never", drop_proofs("drift.window"), NONE, "no drift window"),
    (
        "INC-001",
        "no-chain",
        edit(lambda d: d["fallback"].update(chain=[])),
        FAIL,
        "no fallback chain",
    ),
    (
        "INC-001",
        "retry-last",
        edit(lambda d: d["fallback"].update(chain=[{"action": "retry"}])),
        FAIL,
        "ends in a retry",
    ),
    (
        "INC-002",
        "no-escalation",
        edit(lambda d: d["ownership"]["on_call"].update(escalation=[])),
        FAIL,
        "no escalation",
    ),
    (
        "INC-002",
        "stranger",
        edit(lambda d: d["ownership"]["on_call"].update(escalation=["zed"])),
        FAIL,
        "zed",
    ),
    (
        "INC-002",
        "no-channel",
        edit(lambda d: d["ownership"]["on_call"].update(channel="")),
        FAIL,
        "no on-call channel",
    ),
    ("INC-003", "missing-file", file(RUNBOOK, None), FAIL, "does not exist"),
    (
        "INC-003",
        "no-steps",
        file(RUNBOOK, GOOD_RUNBOOK.replace("steps: [a]\n", "")),
        FAIL,
        "lacks steps",
    ),
    ("INC-003", "stranger", file(RUNBOOK, GOOD_RUNBOOK.replace("amara", "zed")), FAIL, "'zed'"),
    ("INC-003", "unclosed", file(RUNBOOK, "---\ntrigger: t\n"), FAIL, "not closed"),
    ("INC-003", "no-path", edit(lambda d: d["runbooks"][0].pop("path")), FAIL, "no path"),
    (
        "INC-004",
        "slow",
        drop_proofs("drill", proof("drill", "rollback", DAY, duration_s=400.0, target_s=300.0)),
        FAIL,
        "400 s, over its 300 s",
    ),
    (
        "INC-004",
        "stale",
        drop_proofs("drill", proof("drill", "rollback", 40 * DAY, duration_s=1.0)),
        FAIL,
        "40.0 days ago",
    ),
    (
        "INC-004",
        "failed",
        drop_proofs("drill", proof("drill", "rollback", DAY, passed=False)),
        FAIL,
        "FAILED",
    ),
    ("INC-004", "never", drop_proofs("drill"), NONE, "no rollback drill"),
    (
        "INC-005",
        "stale-flip",
        facts(flag_changes=(FlagChange(f"{SERVICE}.enabled", NOW - 31 * DAY, "x", value=False),)),
        NONE,
        "was not set",
    ),
    (
        "INC-005",
        "other-flag",
        facts(flag_changes=(FlagChange("other.enabled", NOW - DAY, "x", value=False),)),
        NONE,
        "was not set",
    ),
    (
        "INC-005",
        "failed-drill",
        lambda s: (
            facts(flag_changes=())(s),
            drop_proofs("drill", proof("drill", "kill-switch", DAY, passed=False))(s),
        ),
        FAIL,
        "kill-switch drill",
    ),
    (
        "INC-006",
        "stale",
        drop_proofs("backup.restore", proof("backup.restore", "b", 40 * DAY)),
        FAIL,
        "40.0 days ago",
    ),
    (
        "INC-006",
        "failed",
        drop_proofs("backup.restore", proof("backup.restore", "b", DAY, passed=False)),
        FAIL,
        "FAILED",
    ),
    ("INC-006", "never", drop_proofs("backup.restore"), NONE, "no restore"),
    (
        "DOC-001",
        "two-accountable",
        edit(lambda d: d["ownership"]["raci"]["deployment"].update(accountable=["amara", "rosa"])),
        FAIL,
        "2 accountable",
    ),
    (
        "DOC-001",
        "no-responsible",
        edit(lambda d: d["ownership"]["raci"]["on_call"].update(responsible=[])),
        FAIL,
        "nobody responsible",
    ),
    (
        "DOC-001",
        "missing-activity",
        edit(lambda d: _pop(d["ownership"]["raci"], "data_governance")),
        FAIL,
        "data_governance",
    ),
    (
        "DOC-001",
        "stranger",
        edit(lambda d: d["ownership"]["raci"]["on_call"].update(informed=["zed"])),
        FAIL,
        "zed",
    ),
    (
        "DOC-001",
        "placeholder",
        edit(lambda d: d["ownership"]["people"]["lin"].update(name="TODO: name")),
        FAIL,
        "placeholders",
    ),
    ("DOC-002", "no-purpose", edit(lambda d: MODEL(d).update(purpose="")), FAIL, "purpose"),
    (
        "DOC-002",
        "placeholder",
        edit(lambda d: MODEL(d)["limitations"].append("TODO: fill in")),
        FAIL,
        "placeholders",
    ),
    (
        "DOC-003",
        "no-detection",
        edit(lambda d: MODEL(d)["failure_modes"][0].update(detection="")),
        FAIL,
        "lacks detection",
    ),
    (
        "DOC-003",
        "no-runbook",
        edit(lambda d: MODEL(d)["failure_modes"][1].pop("runbook")),
        FAIL,
        "names no runbook",
    ),
    (
        "DOC-003",
        "bad-runbook",
        edit(lambda d: MODEL(d)["failure_modes"][1].update(runbook="gone")),
        FAIL,
        "'gone'",
    ),
    ("DOC-004", "none", edit(lambda d: _pop(MODEL(d), "evaluation")), FAIL, "no evaluation"),
    (
        "CUT-001",
        "default-metrics",
        edit(lambda d: _pop(d["rollout"]["analysis"], "metrics")),
        FAIL,
        "not declared",
    ),
    ("CUT-002", "no-steps", edit(lambda d: d["rollout"].update(steps=[])), FAIL, "no steps"),
    (
        "CUT-002",
        "no-approvers",
        edit(lambda d: d["rollout"].update(approvers=[])),
        FAIL,
        "no approvers",
    ),
    (
        "CUT-002",
        "no-approval",
        edit(lambda d: d["rollout"].update(approval_required=False)),
        FAIL,
        "approval_required",
    ),
    (
        "CUT-002",
        "no-watch",
        edit(lambda d: d["rollout"].update(post_promotion_watch=0)),
        FAIL,
        "post-promotion",
    ),
    ("CUT-002", "stranger", edit(lambda d: d["rollout"].update(approvers=["zed"])), FAIL, "zed"),
    (
        "CUT-003",
        "unset",
        edit(lambda d: _pop(d["rollout"], "golden_set")),
        FAIL,
        "no rollout.golden_set",
    ),
    ("CUT-003", "missing", file("golden.jsonl", None), FAIL, "does not exist"),
    ("CUT-003", "empty", file("golden.jsonl", "\n"), FAIL, "empty"),
    ("CUT-004", "never", drop_proofs("rollout"), NONE, "no canary or shadow"),
    (
        "CUT-004",
        "rolled-back",
        drop_proofs("rollout", proof("rollout", f"{SERVICE}/v1", DAY, passed=False)),
        FAIL,
        "none a promotion",
    ),
    (
        "CUT-004",
        "blue-green",
        drop_proofs("rollout", proof("rollout", f"{SERVICE}/v1", DAY, strategy="blue-green")),
        FAIL,
        "none a promotion",
    ),
    ("CUT-005", "anytime", edit(lambda d: d["rollout"].update(windows=[])), FAIL, "any hour"),
    (
        "DATA-001",
        "no-owner",
        edit(lambda d: d["data"]["sources"][0].update(owner="")),
        FAIL,
        "no owner",
    ),
    (
        "DATA-001",
        "stranger",
        edit(lambda d: d["data"]["sources"][0].update(owner="zed")),
        FAIL,
        "'zed'",
    ),
    (
        "DATA-001",
        "no-pii",
        edit(lambda d: _pop(d["data"]["sources"][1], "pii")),
        FAIL,
        "PII classes",
    ),
    (
        "DATA-001",
        "no-sources",
        edit(lambda d: d["data"].update(sources=[])),
        FAIL,
        "no data sources",
    ),
    ("DATA-002", "no-audit", edit(lambda d: _pop(d["data"]["retention"], "audit")), FAIL, "audit"),
    (
        "DATA-002",
        "payloads",
        edit(lambda d: d["data"].update(store_payloads=True)),
        FAIL,
        "interactions",
    ),
    (
        "DATA-003",
        "unlisted",
        edit(lambda d: d["data"]["sources"][0]["pii"].append("SSN")),
        FAIL,
        "SSN",
    ),
    (
        "DATA-004",
        "no-kek",
        edit(lambda d: d["data"].update(store_payloads=True, hmac_key="${env:H}")),
        FAIL,
        "without kek",
    ),
    (
        "DATA-005",
        "stale",
        lambda s: (facts(purges=(NOW - 3 * DAY,))(s), drop_proofs("purge")(s)),
        FAIL,
        "3.0 days ago",
    ),
    (
        "DATA-005",
        "never",
        lambda s: (facts(purges=())(s), drop_proofs("purge")(s)),
        NONE,
        "no retention purge",
    ),
]


def judge(scenario: Scenario, check_id: str) -> tuple[Status, str]:
    """One check's outcome on the scenario."""
    outcome = by_id()[check_id].run(scenario.evidence())
    return outcome.status, outcome.message


def test_complete_evidence_passes_every_check() -> None:
    """On complete evidence every one of the checks passes, each with a message."""
    evidence = Scenario().evidence()
    outcomes = {check.id: check.run(evidence) for check in CHECKS}
    failing = {i: o.message for i, o in outcomes.items() if o.status is not Status.PASS}
    assert failing == {}
    assert all(o.message for o in outcomes.values())


@pytest.mark.parametrize(
    ("check_id", "mutate", "status", "fragment"),
    [pytest.param(c, m, s, f, id=f"{c}-{name}") for c, name, m, s, f in CASES],
)
def test_broken_evidence_fails_the_check(
    check_id: str, mutate: Mutation, status: Status, fragment: str
) -> None:
    """Breaking one thing turns the check to fail (or no evidence) with a message naming it."""
    scenario = Scenario()
    assert judge(scenario, check_id)[0] is Status.PASS
    mutate(scenario)
    got, message = judge(scenario, check_id)
    assert got is status, message
    assert fragment in message


def test_every_check_has_a_failing_case() -> None:
    """The case table breaks every check of the checklist at least once."""
    assert {case[0] for case in CASES} == {check.id for check in CHECKS}


def test_every_live_check_reports_no_evidence_offline() -> None:
    """Without a store, each live check says it has no evidence rather than passing."""
    scenario = Scenario()
    scenario.facts = None
    evidence = scenario.evidence()
    live = [check for check in CHECKS if check.kind.value == "live"]
    assert len(live) >= 9
    assert {check.run(evidence).status for check in live} == {Status.NO_EVIDENCE}


@pytest.mark.parametrize(
    ("check_id", "mutate"),
    [
        ("SEC-003", add_key(dataclasses.replace(key("old", "interactions:read"), revoked_at=NOW))),
        (
            "SEC-003",
            add_key(dataclasses.replace(key("other", "interactions:read"), services=("x",))),
        ),
        ("SEC-005", add_key(key("gone", "invoke", expires=NOW - DAY))),
        (
            "OBS-004",
            facts(alert_tests=(), proofs=(proof("alert.test", "slo:availability:page", DAY),)),
        ),
        (
            "INC-005",
            lambda s: (
                facts(flag_changes=())(s),
                drop_proofs("drill", proof("drill", "kill-switch", DAY))(s),
            ),
        ),
        (
            "CUT-004",
            lambda s: (
                drop_proofs("rollout")(s),
                facts(rollouts=(RolloutFact("r1", "v1", "shadow", "stable", NOW - DAY, NOW),))(s),
            ),
        ),
        ("DATA-005", facts(purges=())),
        (
            "DATA-004",
            edit(
                lambda d: d["data"].update(store_payloads=True, kek="${env:K}", hmac_key="${env:H}")
            ),
        ),
    ],
)
def test_other_evidence_also_passes(check_id: str, mutate: Mutation) -> None:
    """Revoked, expired or foreign keys are ignored, and alternative evidence counts."""
    scenario = Scenario()
    mutate(scenario)
    status, message = judge(scenario, check_id)
    assert status is Status.PASS, message


def test_checks_are_identified_by_area() -> None:
    """Ids are unique, prefixed by their area, and every check states a remediation."""
    prefixes = {
        "security": "SEC",
        "observability": "OBS",
        "incidents": "INC",
        "documentation": "DOC",
        "cutover": "CUT",
        "data": "DATA",
    }
    ids = [check.id for check in CHECKS]
    assert len(ids) == len(set(ids)) >= 30
    for check in CHECKS:
        assert check.id.split("-")[0] == prefixes[check.area.value]
        assert check.remediation and check.run.__doc__
        assert (check.kind.value == "live") == (
            check.freshness is not None or check.id == "CUT-004"
        )
