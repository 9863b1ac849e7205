"""Report formats: SARIF validated against its schema, JUnit parsed, JSON, Markdown and table."""

from __future__ import annotations

import dataclasses
import json
import xml.etree.ElementTree as ET

import jsonschema
import pytest

from lockgate.readiness.evaluate import evaluate
from lockgate.readiness.formats import Format, render
from lockgate.readiness.model import Gate, Report, Status
from tests.readiness.support import DATA, DAY, NOW, Scenario


@pytest.fixture(scope="module")
def mixed() -> tuple[Scenario, Report]:
    """A report with a failure, a waived check and missing live evidence."""
    scenario = Scenario()
    scenario.data["rollout"]["approvers"] = ["zed"]  # CUT-002 fails
    scenario.data["model_card"].pop("evaluation")  # DOC-004, waived below
    scenario.data["waivers"] = [
        {"check": "DOC-004", "reason": "figures | pending", "approver": "rosa",
         "expires": (NOW + 10 * DAY).date()},
    ]  # fmt: skip
    assert scenario.facts is not None
    scenario.facts = dataclasses.replace(scenario.facts, requests=None)
    found = evaluate(scenario.evidence(), Gate.PRODUCTION, manifest_uri="svc/lockgate.yaml")
    statuses = {r.check.id: r.status for r in found.results}
    assert statuses["CUT-002"] is Status.FAIL
    assert statuses["DOC-004"] is Status.WAIVED
    assert statuses["OBS-005"] is Status.NO_EVIDENCE
    return scenario, found


def test_sarif_validates_against_the_schema(mixed: tuple[Scenario, Report]) -> None:
    """The SARIF log is valid SARIF 2.1.0 with one rule per check and results on manifest lines."""
    scenario, found = mixed
    log = json.loads(render(found, Format.SARIF))
    schema = json.loads((DATA / "sarif-schema-2.1.0.json").read_text())
    jsonschema.validate(log, schema)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [rule["id"] for rule in rules] == [r.check.id for r in found.selected]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    assert set(by_rule) == {"CUT-002", "DOC-004", "OBS-005"}
    failure = by_rule["CUT-002"]
    location = failure["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "svc/lockgate.yaml", "uriBaseId": "%SRCROOT%"}
    line = scenario.manifest_text().splitlines()[location["region"]["startLine"] - 1]
    assert line.strip().startswith("approvers:")
    assert rules[failure["ruleIndex"]]["id"] == "CUT-002"
    assert failure["level"] == "error"
    assert by_rule["DOC-004"]["suppressions"][0]["status"] == "accepted"
    assert by_rule["OBS-005"]["message"]["text"].startswith("no evidence")


def test_junit_has_one_testcase_per_check(mixed: tuple[Scenario, Report]) -> None:
    """JUnit XML parses, has a test case per gate check, waived ones skipped, failures counted."""
    _, found = mixed
    root = ET.fromstring(render(found, Format.JUNIT).encode())  # noqa: S314 - our own output
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert [c.get("name", "").split()[0] for c in cases] == [r.check.id for r in found.selected]
    failed = [c for c in cases if c.find("failure") is not None]
    skipped = [c for c in cases if c.find("skipped") is not None]
    assert sorted(c.get("name", "").split()[0] for c in failed) == ["CUT-002", "OBS-005"]
    assert [c.get("name", "").split()[0] for c in skipped] == ["DOC-004"]
    assert suite.get("tests") == str(len(cases)) and suite.get("failures") == "2"
    assert suite.get("skipped") == "1"
    assert {p.get("name"): p.get("value") for p in suite.iter("property")}["met"] == "false"


def test_json_lists_every_check_and_marks_the_required(mixed: tuple[Scenario, Report]) -> None:
    """JSON holds every check (required per gate), counts and the waiver's details."""
    _, found = mixed
    staging = evaluate(mixed[0].evidence(), Gate.STAGING)
    body = json.loads(render(staging, Format.JSON))
    assert len(body["results"]) == len(found.results)
    required = {r["id"] for r in body["results"] if r["required"]}
    assert required == {r.check.id for r in staging.selected}
    waived = next(r for r in body["results"] if r["id"] == "DOC-004")
    assert waived["waiver"]["approver"] == "rosa" and waived["status"] == "waived"
    assert body["counts"]["waived"] == 1 and body["met"] is True
    assert body["checklist_version"] == found.checklist_version


def test_markdown_and_table_list_each_gate_check(mixed: tuple[Scenario, Report]) -> None:
    """Markdown and the plain table show every check of the gate; pipes are escaped."""
    _, found = mixed
    markdown = render(found, Format.MARKDOWN)
    rows = [line for line in markdown.splitlines() if line.startswith("| ")][2:]
    assert [row.split("|")[1].strip() for row in rows] == [r.check.id for r in found.selected]
    assert "figures \\| pending" in markdown
    table = render(found, Format.TABLE)
    assert all(r.check.id in table for r in found.selected)
    assert "NOT MET" in table
