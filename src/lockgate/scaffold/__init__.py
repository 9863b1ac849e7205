"""``lockgate init``: a commented manifest, a model card, runbooks and the RACI, ready to edit.

Two blueprints: ``starter`` (placeholders for a new service) and ``support-assistant`` (the
example customer-support assistant, complete). Both validate as written; neither claims evidence
it does not have (no evaluation figures, no review in the starter).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from lockgate.errors import ConfigError
from lockgate.scaffold.blueprints import BLUEPRINTS, Blueprint

MANIFEST = "lockgate.yaml"
RUNBOOKS = ("upstream-down", "bad-release", "drift", "pii-leak", "cost-spike")


@dataclass(frozen=True, slots=True)
class Planned:
    """A file ``init`` writes: where, and either its text or the file it copies."""

    path: Path
    text: str | None = None
    source: Path | None = None


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lockgate.scaffold", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html",)),
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["q"] = _quote
    return env


def _quote(value: Any) -> str:
    """A YAML scalar that reads back as ``value`` (JSON strings are YAML)."""
    return json.dumps(str(value), ensure_ascii=False)


def plan(directory: Path, example: str | None, *, today: dt.date | None = None) -> list[Planned]:
    """The files ``init`` would write into ``directory`` for ``example`` (None: the starter)."""
    name = example or "starter"
    blueprint = BLUEPRINTS.get(name)
    if blueprint is None:
        known = ", ".join(n for n in BLUEPRINTS if n != "starter")
        raise ConfigError(f"no example named {name!r}; examples: {known}")
    context = blueprint.context(today or dt.datetime.now(dt.UTC).date())
    env = _environment()
    files = [
        Planned(directory / MANIFEST, env.get_template("lockgate.yaml.j2").render(context)),
        Planned(directory / "MODEL_CARD.md", env.get_template("MODEL_CARD.md.j2").render(context)),
        Planned(directory / "RACI.md", env.get_template("RACI.md.j2").render(context)),
    ]
    files += [
        Planned(
            directory / "runbooks" / f"{runbook}.md",
            env.get_template(f"runbooks/{runbook}.md.j2").render(context),
        )
        for runbook in RUNBOOKS
    ]
    if blueprint.golden_source is not None:
        files.append(Planned(directory / "golden.jsonl", source=blueprint.golden_source))
    return files


def write(
    directory: Path,
    example: str | None = None,
    *,
    force: bool = False,
    today: dt.date | None = None,
) -> list[Path]:
    """Write the scaffold; existing files are an error unless ``force``. Returns the paths."""
    files = plan(directory, example, today=today)
    existing = [item.path for item in files if item.path.exists()]
    if existing and not force:
        shown = ", ".join(str(path) for path in existing)
        raise ConfigError(f"{shown} already exist; pass --force to overwrite")
    for item in files:
        item.path.parent.mkdir(parents=True, exist_ok=True)
        if item.source is not None:
            shutil.copyfile(item.source, item.path)
        else:
            item.path.write_text(item.text or "", encoding="utf-8")
    return [item.path for item in files]


def examples() -> Sequence[str]:
    """Names accepted by ``--example``."""
    return tuple(name for name in BLUEPRINTS if name != "starter")


__all__ = ["MANIFEST", "RUNBOOKS", "Blueprint", "Planned", "examples", "plan", "write"]
