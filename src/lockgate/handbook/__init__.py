"""``lockgate docs build``: the service handbook as static HTML, rendered from the manifest.

Pages: overview, model card, ownership (RACI and on-call), data governance, SLOs and alerts,
runbooks, cutover plan, security, and the readiness report with its flowchart. Templates are
Jinja2 with autoescaping on; only the flowchart SVG (built and escaped by Lockgate) is inserted
as markup.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from lockgate import __version__
from lockgate.manifest import LoadedManifest
from lockgate.manifest.governance import Runbook
from lockgate.readiness.flowchart import svg
from lockgate.readiness.frontmatter import split
from lockgate.readiness.gather import manifest_uri
from lockgate.readiness.model import Gate, Report

STYLESHEET = "style.css"


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the handbook."""

    file: str
    title: str
    template: str


PAGES = (
    Page("index.html", "Overview", "index.html.j2"),
    Page("model-card.html", "Model card", "model-card.html.j2"),
    Page("ownership.html", "Ownership", "ownership.html.j2"),
    Page("data.html", "Data", "data.html.j2"),
    Page("slos.html", "SLOs and alerts", "slos.html.j2"),
    Page("runbooks.html", "Runbooks", "runbooks.html.j2"),
    Page("cutover.html", "Cutover", "cutover.html.j2"),
    Page("security.html", "Security", "security.html.j2"),
    Page("readiness.html", "Readiness", "readiness.html.j2"),
)


def environment() -> jinja2.Environment:
    """Templates from this package, autoescaped, failing on undefined names."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("lockgate.handbook", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _raci(loaded: LoadedManifest) -> list[tuple[str, dict[str, str]]]:
    rows = []
    for activity, entry in loaded.manifest.ownership.raci.items():
        letters: dict[str, str] = {}
        for letter, names in (
            ("R", entry.responsible),
            ("A", entry.accountable),
            ("C", entry.consulted),
            ("I", entry.informed),
        ):
            for name in names:
                letters[name] = letters.get(name, "") + letter
        rows.append((activity.value, letters))
    return rows


def _runbook(loaded: LoadedManifest, runbook: Runbook) -> dict[str, Any]:
    """A runbook's manifest entry merged with its file's front matter and body."""
    found: dict[str, Any] = {
        "id": runbook.id,
        "title": runbook.title,
        "path": runbook.path,
        "trigger": runbook.trigger,
        "severity": runbook.severity,
        "owner": runbook.owner,
        "steps": [],
        "body": "",
        "problem": "",
    }
    if runbook.path is None:
        return found
    file = loaded.base_dir / runbook.path
    try:
        document = split(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        found["problem"] = f"{runbook.path} cannot be read"
        return found
    meta = document.meta
    for key in ("title", "trigger", "severity", "owner"):
        if meta.get(key) and not found[key]:
            found[key] = str(meta[key])
    steps = meta.get("steps")
    found["steps"] = [str(step) for step in steps] if isinstance(steps, list) else []
    found["body"] = document.body.strip()
    found["problem"] = document.error
    return found


def build(loaded: LoadedManifest, report: Report, destination: Path) -> list[Path]:
    """Render every page and the stylesheet into ``destination``; returns the files written."""
    env = environment()
    context = {
        "m": loaded.manifest,
        "report": report,
        "gates": list(Gate),
        "pages": PAGES,
        "raci": _raci(loaded),
        "runbooks": [_runbook(loaded, r) for r in loaded.manifest.runbooks],
        "chart": Markup(svg(report)),  # noqa: S704 - built by readiness.flowchart, every text escaped
        "lockgate_version": __version__,
        "manifest_uri": manifest_uri(loaded.path),
        "revision": loaded.revision,
        "generated": report.generated_at.strftime("%Y-%m-%d %H:%M UTC"),
    }
    destination.mkdir(parents=True, exist_ok=True)
    written = []
    for page in PAGES:
        html = env.get_template(page.template).render(
            **context, title=page.title, current=page.file
        )
        target = destination / page.file
        target.write_text(html, encoding="utf-8")
        written.append(target)
    style = resources.files("lockgate.handbook").joinpath("templates", STYLESHEET)
    with resources.as_file(style) as source:
        shutil.copyfile(source, destination / STYLESHEET)
    written.append(destination / STYLESHEET)
    return written
