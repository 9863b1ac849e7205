"""YAML front matter of Markdown files (runbooks): the block between the first two ``---`` lines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

RUNBOOK_FIELDS = ("trigger", "severity", "steps", "owner")
"""What every runbook's front matter states."""


@dataclass(frozen=True, slots=True)
class Document:
    """A Markdown file split into its front matter and its body."""

    meta: dict[str, Any]
    body: str
    error: str = ""
    """Why the front matter could not be read; empty when it could (or there is none)."""


def split(text: str) -> Document:
    """The front matter (``{}`` when there is none) and the Markdown after it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return Document({}, text)
    for index in range(1, len(lines)):
        if lines[index].strip() in {"---", "..."}:
            head = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            try:
                meta = yaml.safe_load(head)
            except yaml.YAMLError as exc:
                return Document({}, body, f"the front matter is not valid YAML ({exc})")
            if meta is None:
                return Document({}, body)
            if not isinstance(meta, dict):
                return Document({}, body, "the front matter must be a mapping")
            return Document(meta, body)
    return Document({}, text, "the front matter is not closed by a --- line")


def missing_fields(meta: dict[str, Any]) -> list[str]:
    """Runbook fields that are absent or empty; ``steps`` must be a non-empty list."""
    absent = []
    for name in RUNBOOK_FIELDS:
        value = meta.get(name)
        if name == "steps":
            if not isinstance(value, list) or not value:
                absent.append(name)
        elif not isinstance(value, str | int | float) or not str(value).strip():
            absent.append(name)
    return absent
