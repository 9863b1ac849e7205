"""Load ``lockgate.yaml``: YAML with positions, the literal-credential check, then validation.

Every problem is reported as ``file:line:column: path: what is wrong`` with a hint on the fix.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from lockgate.errors import ConfigError
from lockgate.manifest.model import Manifest
from lockgate.manifest.positions import KEY, dotted, of_nodes
from lockgate.manifest.secrets import describe_credential

Path_ = tuple[str | int, ...]
CONFIG_ENV = "LOCKGATE_CONFIG"
DEFAULT_CONFIG = "lockgate.yaml"


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a manifest."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ManifestError(ConfigError):
    """The manifest has one or more problems; each names its file, line and column."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"the manifest has {len(problems)} problem(s):\n{lines}")


@dataclass(frozen=True, slots=True)
class LoadedManifest:
    """A validated manifest with where it came from and its revision hash."""

    manifest: Manifest
    path: Path
    text: str

    @property
    def revision(self) -> str:
        """SHA-256 of the manifest text: names this configuration in provenance and history."""
        return hashlib.sha256(self.text.encode()).hexdigest()

    @property
    def base_dir(self) -> Path:
        """Folder relative paths in the manifest are resolved against."""
        return self.path.parent


def find_config(explicit: str | Path | None) -> Path:
    """``--config FILE``, else ``$LOCKGATE_CONFIG``, else ``./lockgate.yaml``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(CONFIG_ENV)
    return Path(from_env) if from_env else Path(DEFAULT_CONFIG)


def load(path: str | Path) -> LoadedManifest:
    """Read, check and validate the manifest at ``path``."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{file}: no such manifest; pass --config FILE, set {CONFIG_ENV}, "
            "or run `lockgate init` to write one"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read the manifest ({exc.strerror})") from exc
    return LoadedManifest(manifest=parse(text, source=str(file)), path=file, text=text)


def parse(text: str, *, source: str = "lockgate.yaml") -> Manifest:
    """Validate manifest ``text``; ``source`` names it in messages."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise ManifestError(
            [Problem(source, line, column, "", f"invalid YAML: {exc.problem}; fix the syntax")]
        ) from exc
    if root is None:
        raise ManifestError(
            [Problem(source, 1, 1, "", "the manifest is empty; `lockgate init` writes a starter")]
        )
    positions = of_nodes(root)
    problems = [
        Problem(source, *positions[path], dotted(path), message)
        for path, message in _literal_credentials(root, (), None)
    ]
    if problems:
        raise ManifestError(problems)
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ManifestError([Problem(source, 1, 1, "", "the manifest must be a mapping")])
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise ManifestError(_locate(exc, source, positions)) from exc


def _literal_credentials(
    node: yaml.Node, path: Path_, key: str | None
) -> Iterator[tuple[Path_, str]]:
    """Scalars that look like secrets, with their paths."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            name = str(key_node.value)
            yield from _literal_credentials(value_node, (*path, name), name)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _literal_credentials(item, (*path, index), key)
    elif isinstance(node, yaml.ScalarNode) and isinstance(node.value, str):
        reason = describe_credential(key, node.value)
        if reason:
            message = (
                f"this value {reason}; secrets are never literal in the manifest: "
                "write ${env:NAME} or ${file:PATH} and keep the secret outside it"
            )
            yield path, message


def _locate(
    exc: ValidationError, source: str, positions: dict[Path_, tuple[int, int]]
) -> list[Problem]:
    problems = []
    for error in exc.errors(include_url=False):
        found: Path_ = ()
        for part in error["loc"]:
            candidate = (*found, part)
            if candidate in positions:
                found = candidate
        if error["type"] == "extra_forbidden" and (*found, KEY) in positions:
            line, column = positions[(*found, KEY)]
            message = "unknown key; check its spelling against `lockgate schema`"
        else:
            line, column = positions.get(found, (1, 1))
            message = _hint(error)
        where = dotted(tuple(p for p in error["loc"] if isinstance(p, int | str)))
        problems.append(Problem(source, line, column, where, message))
    return problems


def _hint(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "missing":
        return "required but missing; add it (see `lockgate schema`)"
    return message.removeprefix("Value error, ")
