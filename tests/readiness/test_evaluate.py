"""Reports: gates, waivers (valid, expired, over-long), notes, and located results."""

from __future__ import annotations

import datetime as dt

import pytest

from lockgate.manifest.governance import Waiver
from lockgate.manifest.positions import dotted, locate, positions
from lockgate.readiness import waivers
from lockgate.readiness.evaluate import evaluate
from lockgate.readiness.model import Gate, Report, Status
from tests.readiness.support import DAY, NOW, Scenario


def report(scenario: Scenario, gate: Gate = Gate.PRODUCTION) -> Report:
    """Evaluate the scenario."""
    return evaluate(scenario.evidence(), gate, manifest_uri="deploy/lockgate.yaml")


def result(report: Report, check_id: str) -> tuple[Status, str, str, int]:
    """(status, message, path, line) of one check."""
    found = next(r for r in report.results if r.check.id == check_id)
    return found.status, found.message, found.path, found.line


def waive(scenario: Scenario, check: str, expires: dt.date) -> None:
    """Add a waiver to the manifest."""
    scenario.data["waivers"] = [
        {
            "check": check,
            "reason": "launching to staff first",
            "approver": "rosa",
            "expires": expires,
        }
    ]


def without_evaluation(scenario: Scenario) -> Scenario:
    """The scenario with DOC-004 failing."""
    scenario.data["model_card"].pop("evaluation")
    return scenario


def test_complete_scenario_meets_both_gates() -> None:
    """Complete evidence meets staging and production, with no notes."""
    found = report(Scenario())
    assert found.met and found.gate_met(Gate.STAGING) and found.notes == ()
    assert found.counts()[Status.PASS] == len(found.selected)


def test_production_gate_includes_staging_checks() -> None:
    """A failing staging check fails both gates; a production-only check fails production only."""
    staging_only = Scenario()
    staging_only.data["rollout"]["windows"] = []  # CUT-005 is a production check
    assert report(staging_only, Gate.STAGING).met
    assert not report(staging_only, Gate.PRODUCTION).met
    both = without_evaluation(Scenario())  # DOC-004 is a staging check
    assert not report(both, Gate.STAGING).met
    assert not report(both, Gate.PRODUCTION).met
    staging = report(Scenario(), Gate.STAGING)
    assert {r.check.gate for r in staging.selected} == {Gate.STAGING}
    assert len(report(Scenario()).selected) == len(staging.results)


def test_no_evidence_fails_the_gate() -> None:
    """A live check without evidence is shown as such and fails the gate."""
    scenario = Scenario()
    scenario.facts = None
    found = report(scenario, Gate.STAGING)
    assert result(found, "SEC-008")[0] is Status.NO_EVIDENCE
    assert not found.met and found.counts()[Status.NO_EVIDENCE] >= 1


def test_valid_waiver_turns_a_failure_into_waived() -> None:
    """A waiver within 90 days waives the check, names its approver and points at the waiver."""
    scenario = without_evaluation(Scenario())
    waive(scenario, "DOC-004", (NOW + 30 * DAY).date())
    found = report(scenario)
    status, message, path, line = result(found, "DOC-004")
    assert status is Status.WAIVED and found.met
    assert "rosa" in message and "no evaluation" in message
    assert path == "waivers[0]"
    assert scenario.manifest_text().splitlines()[line - 1].lstrip().startswith("- check: DOC-004")


@pytest.mark.parametrize(
    ("expires", "fragment"),
    [
        ((NOW - DAY).date(), "expired on"),
        ((NOW + 91 * DAY).date(), "runs 91 days"),
    ],
)
def test_expired_or_overlong_waiver_fails_with_its_own_message(
    expires: dt.date, fragment: str
) -> None:
    """An expired waiver, or one more than 90 days ahead, fails the check and says why."""
    scenario = without_evaluation(Scenario())
    waive(scenario, "DOC-004", expires)
    found = report(scenario)
    status, message, path, _ = result(found, "DOC-004")
    assert status is Status.FAIL and not found.met
    assert fragment in message and "no evaluation" in message
    assert path == "waivers[0].expires"


def test_waiver_boundary_is_ninety_days() -> None:
    """Exactly 90 days ahead is valid; today is valid; 91 is not."""
    waiver = Waiver(check="X", reason="r", approver="a", expires=NOW.date())
    today = NOW.date()
    assert waivers.problem(waiver, today) is None
    assert waivers.problem(waiver.model_copy(update={"expires": today + 90 * DAY}), today) is None
    assert waivers.problem(waiver.model_copy(update={"expires": today + 91 * DAY}), today)


def test_waivers_that_do_nothing_become_notes() -> None:
    """A waiver for a passing check or an unknown id leaves results alone and adds a note."""
    scenario = Scenario()
    scenario.data["waivers"] = [
        {"check": "DOC-004", "reason": "r", "approver": "rosa", "expires": NOW.date()},
        {"check": "XYZ-999", "reason": "r", "approver": "rosa", "expires": NOW.date()},
    ]
    found = report(scenario)
    assert found.met and result(found, "DOC-004")[0] is Status.PASS
    assert len(found.notes) == 2
    assert "no longer needed" in found.notes[0] and "XYZ-999" in found.notes[1]


def test_results_point_at_the_manifest_line() -> None:
    """A failing result's line is the line of the manifest key it names."""
    scenario = Scenario()
    scenario.data["rollout"]["approvers"] = ["zed"]
    found = report(scenario)
    status, _, path, line = result(found, "CUT-002")
    assert status is Status.FAIL and path == "rollout.approvers"
    assert scenario.manifest_text().splitlines()[line - 1].strip().startswith("approvers:")
    passing = result(found, "OBS-001")
    assert passing[2] == "slos"
    assert scenario.manifest_text().splitlines()[passing[3] - 1].startswith("slos:")


def test_secret_in_a_comment_points_at_its_line() -> None:
    """A credential in a comment is reported at the comment's line."""
    scenario = Scenario()
    text = scenario.manifest_text()
    scenario.text = text + "# rotated: sk-abcdefghijklmnopqrstuvwx\n"
    status, _, _, line = result(report(scenario), "SEC-004")
    assert status is Status.FAIL and line == len(text.splitlines()) + 1


def test_positions_fall_back_to_the_nearest_ancestor() -> None:
    """A path that is not written points at its nearest written parent, else line 1."""
    text = "service:\n  name: a\nlist:\n  - x: 1\n  - y: 2\n"
    found = positions(text)
    assert locate(found, ("list", 1, "y")) == (5, 5)
    assert locate(found, ("service", "stage")) == (1, 1)
    assert locate(found, ("list", 1, "missing")) == (5, 5)
    assert locate(found, ("nothing",)) == (1, 1)
    assert locate(positions("key: [unclosed"), ("key",)) == (1, 1)
    assert dotted(("slos", 0, "runbook")) == "slos[0].runbook"
