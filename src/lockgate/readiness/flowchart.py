"""The way to production as a picture: PoC -> staging -> production, each gate's checks by area.

``svg(report)`` builds a standalone SVG by hand (the dashboard embeds it; every text is escaped);
``mermaid(report)`` writes the same chart as a Mermaid flowchart for Markdown renderers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from types import MappingProxyType

from lockgate.readiness.model import Area, Gate, Report, Result, Status

SVG_NS = "http://www.w3.org/2000/svg"
COLOURS: Mapping[Status, tuple[str, str]] = MappingProxyType(
    {
        Status.PASS: ("#2e7d32", "#ffffff"),
        Status.FAIL: ("#c62828", "#ffffff"),
        Status.WAIVED: ("#f9a825", "#1a1a1a"),
        Status.NO_EVIDENCE: ("#6a1b9a", "#ffffff"),
    }
)
STAGES = ("poc", "staging", "production")

COLUMN = 380
GAP = 60
MARGIN = 20
HEADER = 56
CHIP_W, CHIP_H, PER_ROW = 82, 22, 4
AREA_HEAD, AREA_PAD = 24, 8


def _by_area(results: Sequence[Result]) -> list[tuple[Area, list[Result]]]:
    return [(area, [r for r in results if r.check.area is area]) for area in Area]


def _gate_results(report: Report, gate: Gate) -> list[Result]:
    return [r for r in report.results if r.check.gate is gate]


def _area_height(count: int) -> int:
    rows = max((count + PER_ROW - 1) // PER_ROW, 1)
    return AREA_HEAD + rows * (CHIP_H + 6) + AREA_PAD


def _text(x: float, y: float, text: str, *, size: int = 12, weight: str = "normal") -> str:
    return (
        f'<text x="{x:g}" y="{y:g}" font-size="{size}" font-weight="{weight}">{escape(text)}</text>'
    )


def _box(x: int, width: int, fill: str, *, current: bool) -> str:
    """A stage's header box; the service's current stage has a thick border."""
    return (
        f'<rect x="{x}" y="{MARGIN}" width="{width}" height="{HEADER - 8}" rx="8" '
        f'fill="{fill}" stroke="#333" stroke-width="{3 if current else 1}"/>'
    )


def _chip(x: int, y: int, result: Result) -> str:
    fill, ink = COLOURS[result.status]
    tip = f"{result.check.id} {result.check.title}: {result.status.value}. {result.message}"
    return (
        f'<g class="check {result.status.value}" data-check="{escape(result.check.id)}">'
        f"<title>{escape(tip)}</title>"
        f'<rect x="{x}" y="{y}" width="{CHIP_W - 6}" height="{CHIP_H}" rx="4" fill="{fill}"/>'
        f'<text x="{x + 6}" y="{y + 15}" font-size="11" fill="{ink}">'
        f"{escape(result.check.id)}</text></g>"
    )


def _column(report: Report, gate: Gate, x: int) -> tuple[list[str], int]:
    """SVG parts of one gate's column and its height."""
    met = report.gate_met(gate)
    current = report.stage == gate.value
    parts = [
        _box(x, COLUMN, "#e8f5e9" if met else "#ffebee", current=current),
        _text(x + 12, MARGIN + 20, f"{gate.value.title()} gate", size=15, weight="bold"),
        _text(
            x + 12,
            MARGIN + 38,
            ("met" if met else "not met")
            + (" (includes every staging check)" if gate is Gate.PRODUCTION else ""),
            size=11,
        ),
    ]
    y = MARGIN + HEADER
    for area, results in _by_area(_gate_results(report, gate)):
        if not results:
            continue
        height = _area_height(len(results))
        parts.append(
            f'<rect x="{x}" y="{y}" width="{COLUMN}" height="{height}" rx="6" '
            'fill="#fafafa" stroke="#bbb"/>'
        )
        parts.append(_text(x + 10, y + 17, area.heading, size=12, weight="bold"))
        for index, result in enumerate(results):
            row, col = divmod(index, PER_ROW)
            parts.append(_chip(x + 10 + col * CHIP_W, y + AREA_HEAD + row * (CHIP_H + 6), result))
        y += height + 8
    return parts, y


def svg(report: Report) -> str:
    """A standalone SVG document of the gates and their checks, coloured by status."""
    poc_x = MARGIN
    poc_w = 140
    parts: list[str] = [
        _box(poc_x, poc_w, "#eeeeee", current=report.stage == "poc"),
        _text(poc_x + 12, MARGIN + 20, "PoC", size=15, weight="bold"),
        _text(poc_x + 12, MARGIN + 38, "proof of concept", size=11),
    ]
    x = poc_x + poc_w + GAP
    bottom = MARGIN + HEADER
    previous_right = poc_x + poc_w
    for gate in Gate:
        arrow_y = MARGIN + (HEADER - 8) // 2
        parts.append(
            f'<line x1="{previous_right}" y1="{arrow_y}" x2="{x - 4}" y2="{arrow_y}" '
            'stroke="#333" stroke-width="2" marker-end="url(#arrow)"/>'
        )
        column, height = _column(report, gate, x)
        parts.extend(column)
        bottom = max(bottom, height)
        previous_right = x + COLUMN
        x += COLUMN + GAP
    legend_y = bottom + 10
    for index, status in enumerate(Status):
        fill, _ = COLOURS[status]
        lx = MARGIN + index * 130
        parts.append(f'<rect x="{lx}" y="{legend_y}" width="14" height="14" fill="{fill}"/>')
        parts.append(_text(lx + 20, legend_y + 12, status.value.replace("_", " "), size=11))
    width = x - GAP + MARGIN
    height = legend_y + 14 + MARGIN
    title = f"Readiness of {report.service}: {report.summary()}"
    return (
        f'<svg xmlns="{SVG_NS}" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" role="img">'
        f"<title>{escape(title)}</title>"
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>'
        + "".join(parts)
        + "</svg>\n"
    )


def _label(text: str) -> str:
    """Text safe inside a Mermaid ``["..."]`` label."""
    return text.replace('"', "#quot;").replace("<", "#lt;").replace(">", "#gt;")


def mermaid(report: Report) -> str:
    """The same chart as a Mermaid flowchart."""
    lines = ["flowchart LR", '  poc(["PoC"])']
    previous = "poc"
    for gate in Gate:
        verdict = "met" if report.gate_met(gate) else "NOT MET"
        lines.append(f'  subgraph {gate.value}["{gate.value.title()} gate: {verdict}"]')
        lines.append("    direction TB")
        for area, results in _by_area(_gate_results(report, gate)):
            if not results:
                continue
            lines.append(f'    subgraph {gate.value}_{area.value}["{_label(area.heading)}"]')
            for result in results:
                node = result.check.id.replace("-", "_")
                label = _label(f"{result.check.id} {result.status.value.replace('_', ' ')}")
                lines.append(f'      {node}["{label}"]:::{result.status.value}')
            lines.append("    end")
        lines.append("  end")
        lines.append(f"  {previous} --> {gate.value}")
        previous = gate.value
    for status in Status:
        fill, ink = COLOURS[status]
        lines.append(f"  classDef {status.value} fill:{fill},color:{ink},stroke:#333")
    return "\n".join(lines) + "\n"
