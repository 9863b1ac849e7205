"""Report renderers: a Rich table, JSON, Markdown, SARIF 2.1.0 and JUnit XML."""

from __future__ import annotations

from enum import StrEnum

from lockgate.readiness.formats import document, junit, markdown, sarif, table
from lockgate.readiness.model import Report


class Format(StrEnum):
    """Output formats of ``lockgate check``."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    JUNIT = "junit"


def render(report: Report, fmt: Format) -> str:
    """``report`` as text in ``fmt`` (the table without colours)."""
    match fmt:
        case Format.TABLE:
            return table.text(report)
        case Format.JSON:
            return document.render(report)
        case Format.MARKDOWN:
            return markdown.render(report)
        case Format.SARIF:
            return sarif.render(report)
        case Format.JUNIT:
            return junit.render(report)


__all__ = ["Format", "render"]
