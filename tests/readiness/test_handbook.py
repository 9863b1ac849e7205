"""The handbook: every page rendered, escaped, linked, with the report and its flowchart."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from lockgate import handbook
from lockgate.manifest import load
from lockgate.readiness import evaluate_gate
from lockgate.readiness.model import Gate
from tests.readiness.support import write_example


class Collect(HTMLParser):
    """Tags, links, text and the inline SVG of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.links += [value or "" for name, value in attrs if name == "href"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(path: Path) -> Collect:
    """The page parsed."""
    collected = Collect()
    collected.feed(path.read_text(encoding="utf-8"))
    return collected


def test_handbook_builds_every_page(tmp_path: Path) -> None:
    """Each page and the stylesheet are written; navigation links resolve to written files."""
    loaded = write_example(tmp_path / "svc")
    report = evaluate_gate(loaded, None, Gate.PRODUCTION)
    written = handbook.build(loaded, report, tmp_path / "site")
    names = {path.name for path in written}
    assert names == {page.file for page in handbook.PAGES} | {"style.css"}
    for page in handbook.PAGES:
        parsed = parse(tmp_path / "site" / page.file)
        assert "main" in parsed.tags and "nav" in parsed.tags
        for link in parsed.links:
            assert (tmp_path / "site" / link.split("#")[0]).exists(), link
    text = " ".join(parse(tmp_path / "site" / "ownership.html").text)
    assert "Amara Osei" in text and "support-assistant-primary" in text
    runbooks = " ".join(parse(tmp_path / "site" / "runbooks.html").text)
    assert "Acknowledge the page" in runbooks and "Model server down" in runbooks


def test_readiness_page_embeds_the_flowchart(tmp_path: Path) -> None:
    """The readiness page lists every check and inlines an SVG that parses as XML."""
    loaded = write_example(tmp_path / "svc")
    report = evaluate_gate(loaded, None, Gate.PRODUCTION)
    handbook.build(loaded, report, tmp_path / "site")
    html = (tmp_path / "site" / "readiness.html").read_text()
    start, end = html.index("<svg"), html.index("</svg>") + len("</svg>")
    assert ET.fromstring(html[start:end]).tag.endswith("svg")  # noqa: S314 - our own output
    assert all(r.check.id in html for r in report.results)


def test_manifest_text_is_escaped(tmp_path: Path) -> None:
    """Markup in the manifest is shown as text, never executed."""
    loaded = write_example(tmp_path / "svc")
    path = tmp_path / "svc" / "lockgate.yaml"
    path.write_text(loaded.text.replace("Legal, medical", "<script>alert(1)</script> Legal"))
    loaded = load(path)
    report = evaluate_gate(loaded, None, Gate.STAGING)
    handbook.build(loaded, report, tmp_path / "site")
    html = (tmp_path / "site" / "model-card.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
