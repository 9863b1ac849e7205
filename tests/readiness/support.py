"""Evidence for readiness tests: a complete service, then one thing broken at a time."""

from __future__ import annotations

import copy
import datetime as dt
import functools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from lockgate import scaffold
from lockgate.manifest import LoadedManifest, Manifest, load, parse
from lockgate.readiness.evidence import (
    AlertTestFact,
    AuditState,
    Evidence,
    FlagChange,
    KeyFact,
    RequestSpan,
    StoreFacts,
)
from lockgate.store.evidence import Proof

NOW = dt.datetime(2026, 6, 15, 12, 0, tzinfo=dt.UTC)
DAY = dt.timedelta(days=1)
SERVICE = "support-assistant"
DATA = Path(__file__).parent / "data"


@functools.cache
def scaffold_files(today: dt.date | None = None) -> dict[str, str]:
    """The support-assistant scaffold's files by relative path (the golden set read from disk)."""
    files: dict[str, str] = {}
    root = Path("root")
    for item in scaffold.plan(root, "support-assistant", today=today or NOW.date()):
        name = item.path.relative_to(root).as_posix()
        files[name] = item.text if item.text is not None else item.source.read_text()  # type: ignore[union-attr]
    return files


def named_files() -> dict[str, str | None]:
    """The files the complete manifest names: runbooks and the golden set."""
    return {
        name: text
        for name, text in scaffold_files().items()
        if name.startswith("runbooks/") or name == "golden.jsonl"
    }


def complete_manifest() -> dict[str, Any]:
    """The support-assistant example, completed so every static check passes."""
    return copy.deepcopy(_complete_manifest())


@functools.cache
def _complete_manifest() -> dict[str, Any]:
    data = yaml.load(
        scaffold_files(NOW.date() - 10 * DAY)["lockgate.yaml"], Loader=yaml.CSafeLoader
    )
    data["model_card"]["evaluation"] = {"accuracy_v1": 0.91, "accuracy_v2": 0.95}
    data["monitors"] = {
        "drift": {
            "reference": "reference.json",
            "config": {"columns": [{"name": "text", "kind": "text"}]},
        }
    }
    data["security"]["access"][1]["keys"] = ["dpo-review"]
    return data


def key(name: str, *scopes: str, expires: dt.datetime | None = NOW + 60 * DAY) -> KeyFact:
    """An active key."""
    return KeyFact(f"k-{name}", name, frozenset(scopes), None, expires)


def proof(
    kind: str, subject: str, age: dt.timedelta, *, passed: bool = True, **details: Any
) -> Proof:
    """A piece of evidence ``age`` before NOW."""
    return Proof(0, kind, subject, NOW - age, passed, "tester", dict(details))


def complete_facts() -> StoreFacts:
    """Store facts under which every live check passes at NOW."""
    return StoreFacts(
        keys=(
            key("ci-deploy", "rollouts:write", "rollouts:approve", "config:write"),
            key("dpo-review", "interactions:read"),
            key("web", "invoke"),
            key("admin", "keys:admin"),
        ),
        proofs=(
            proof("drill", "rollback", 5 * DAY, duration_s=42.0, target_s=300.0),
            proof("backup.restore", "nightly.dump", 3 * DAY),
            proof("drift.window", SERVICE, dt.timedelta(hours=2)),
            proof("purge", "retention", dt.timedelta(hours=6)),
            proof("rollout", f"{SERVICE}/v1", 20 * DAY, strategy="canary"),
        ),
        alert_tests=(AlertTestFact("high-error-rate", "oncall", delivered=True, at=NOW - 4 * DAY),),
        flag_changes=(FlagChange(f"{SERVICE}.enabled", NOW - 6 * DAY, "cli:jonas", value=False),),
        requests=RequestSpan(NOW - 10 * DAY, NOW - dt.timedelta(minutes=5)),
        audit=AuditState(120),
        purges=(NOW - dt.timedelta(hours=6),),
    )


@dataclass
class Scenario:
    """A manifest (as data), the files it names, and the store's facts: edit, then judge."""

    data: dict[str, Any] = field(default_factory=complete_manifest)
    files: dict[str, str | None] = field(default_factory=named_files)
    facts: StoreFacts | None = field(default_factory=complete_facts)
    now: dt.datetime = NOW
    text: str | None = None
    """Manifest text to use instead of dumping ``data`` (e.g. to keep comments)."""

    def manifest(self) -> Manifest:
        """The validated manifest."""
        if self.text is not None:
            return parse(self.text)
        return Manifest.model_validate(self.data)

    def manifest_text(self) -> str:
        """The manifest as YAML."""
        if self.text is not None:
            return self.text
        return yaml.dump(self.data, Dumper=yaml.CSafeDumper, sort_keys=False)

    def evidence(self) -> Evidence:
        """The snapshot the checks judge."""
        return Evidence(
            manifest=self.manifest(),
            now=self.now,
            manifest_text=self.manifest_text(),
            files=dict(self.files),
            store=self.facts,
        )

    def copy(self) -> Scenario:
        """An independent copy."""
        return Scenario(copy.deepcopy(self.data), dict(self.files), self.facts, self.now, self.text)


def write_example(folder: Path) -> LoadedManifest:
    """The support-assistant scaffold on disk."""
    for name, text in scaffold_files(dt.datetime.now(dt.UTC).date()).items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return load(folder / "lockgate.yaml")
