"""The report as JUnit XML: one test case per check the gate requires; waived ones are skipped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lockgate.readiness.model import Report, Status


def render(report: Report) -> str:
    """A ``testsuites`` document with one ``testsuite`` for the gate."""
    selected = report.selected
    counts = report.counts()
    failures = counts[Status.FAIL] + counts[Status.NO_EVIDENCE]
    totals = {
        "tests": str(len(selected)),
        "failures": str(failures),
        "errors": "0",
        "skipped": str(counts[Status.WAIVED]),
        "time": "0",
    }
    root = ET.Element("testsuites", {"name": f"lockgate readiness: {report.service}", **totals})
    suite = ET.SubElement(
        root,
        "testsuite",
        {
            "name": f"readiness.{report.gate.value}",
            "timestamp": report.generated_at.replace(microsecond=0).isoformat(),
            **totals,
        },
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in (
        ("service", report.service),
        ("stage", report.stage),
        ("gate", report.gate.value),
        ("checklist_version", report.checklist_version),
        ("manifest", report.manifest_uri),
        ("met", str(report.met).lower()),
    ):
        ET.SubElement(properties, "property", {"name": name, "value": value})
    for result in selected:
        check = result.check
        case = ET.SubElement(
            suite,
            "testcase",
            {
                "classname": f"readiness.{check.area.value}",
                "name": f"{check.id} {check.title}",
                "file": report.manifest_uri,
                "line": str(result.line),
                "time": "0",
            },
        )
        if result.status is Status.WAIVED:
            ET.SubElement(case, "skipped", {"message": result.message})
        elif result.status is not Status.PASS:
            failure = ET.SubElement(
                case, "failure", {"message": result.message, "type": result.status.value}
            )
            failure.text = (
                f"{result.message}\nwhere: {report.manifest_uri}:{result.line} {result.path}\n"
                f"remediation: {check.remediation}"
            )
        else:
            ET.SubElement(case, "system-out").text = result.message
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
