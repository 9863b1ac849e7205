"""The flowchart: SVG that parses as XML in the SVG namespace, and Mermaid with every check."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from lockgate.readiness.evaluate import evaluate
from lockgate.readiness.flowchart import COLOURS, SVG_NS, mermaid, svg
from lockgate.readiness.model import Gate, Report, Status
from tests.readiness.support import Scenario

NS = {"svg": SVG_NS}


def broken_report() -> Report:
    """A report where a message carries markup-like text and one check fails."""
    scenario = Scenario()
    scenario.data["model_card"]["failure_modes"][0]["runbook"] = "<script>&'\""
    return evaluate(scenario.evidence(), Gate.PRODUCTION)


def test_svg_is_xml_in_the_svg_namespace() -> None:
    """The SVG parses as XML; its root is svg:svg with a chip per check, coloured by status."""
    report = broken_report()
    root = ET.fromstring(svg(report))  # noqa: S314 - our own output
    assert root.tag == f"{{{SVG_NS}}}svg"
    chips = root.findall(".//svg:g[@data-check]", NS)
    ids = [chip.get("data-check") for chip in chips]
    assert sorted(ids) == sorted(r.check.id for r in report.results)  # type: ignore[type-var]
    fills = {
        chip.get("data-check"): chip.find("svg:rect", NS).get("fill")  # type: ignore[union-attr]
        for chip in chips
    }
    assert fills["DOC-003"] == COLOURS[Status.FAIL][0]
    assert fills["DOC-001"] == COLOURS[Status.PASS][0]
    tips = [chip.find("svg:title", NS).text for chip in chips]  # type: ignore[union-attr]
    assert any("<script>" in (tip or "") for tip in tips)  # escaped in the file, text once parsed


def test_svg_groups_checks_by_gate_and_area() -> None:
    """Staging checks sit left of production checks; the verdict of each gate is written."""
    report = broken_report()
    root = ET.fromstring(svg(report))  # noqa: S314 - our own output
    x_of = {
        chip.get("data-check"): float(chip.find("svg:rect", NS).get("x", "0"))  # type: ignore[union-attr]
        for chip in root.findall(".//svg:g[@data-check]", NS)
    }
    staging = [r.check.id for r in report.results if r.check.gate is Gate.STAGING]
    production = [r.check.id for r in report.results if r.check.gate is Gate.PRODUCTION]
    assert max(x_of[i] for i in staging) < min(x_of[i] for i in production)
    texts = [t.text for t in root.iter(f"{{{SVG_NS}}}text")]
    assert "Staging gate" in texts and "Production gate" in texts and "PoC" in texts


def test_mermaid_names_every_check_with_its_status_class() -> None:
    """Mermaid output is a left-to-right flowchart with a node and status class per check."""
    report = broken_report()
    text = mermaid(report)
    assert text.startswith("flowchart LR\n")
    for result in report.results:
        node = result.check.id.replace("-", "_")
        assert f":::{result.status.value}" in next(
            line for line in text.splitlines() if line.strip().startswith(node + "[")
        )
    assert "poc --> staging" in text and "staging --> production" in text
    assert all(f"classDef {status.value}" in text for status in Status)
