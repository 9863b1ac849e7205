"""Manifest loading: every section in the schema, located errors, secrets only as references."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lockgate.errors import ConfigError
from lockgate.manifest import Manifest, ManifestError, load, parse
from lockgate.manifest.secrets import resolve

MINIMAL = """\
service:
  name: support-assistant
versions:
  v1:
    upstream: http://127.0.0.1:8801
    stable: true
"""

SECTIONS = {
    "service", "version", "versions", "ownership", "model_card", "data", "slos", "alerts",
    "flags", "fallback", "rollout", "runbooks", "waivers", "monitors", "telemetry", "security",
    "drills", "gateway",
}  # fmt: skip


def test_schema_has_every_section() -> None:
    """The JSON Schema names every manifest section, even those later features fill in."""
    schema = Manifest.model_json_schema(by_alias=True)
    assert set(schema["properties"]) == SECTIONS
    json.dumps(schema)


def test_minimal_manifest_defaults() -> None:
    """A two-section manifest is valid and fills sensible defaults."""
    manifest = parse(MINIMAL)
    assert manifest.stable_version == "v1"
    assert manifest.service.stage == "poc"
    assert manifest.versions["v1"].timeout == 30.0
    assert manifest.gateway.max_body == 1024 * 1024


def test_durations_and_sizes() -> None:
    """Durations and sizes accept units."""
    manifest = parse(
        MINIMAL.replace("stable: true", "stable: true\n    timeout: 750ms")
        + "gateway:\n  max_body: 2MiB\ndata:\n  retention:\n    interactions: 30d\n"
    )
    assert manifest.versions["v1"].timeout == 0.75
    assert manifest.gateway.max_body == 2 * 1024 * 1024
    assert manifest.data.retention["interactions"] == 30 * 86400


@pytest.mark.parametrize(
    ("text", "line", "column", "fragment"),
    [
        (
            MINIMAL.replace("    stable: true\n", "    stable: true\n    timout: 3s\n"),
            7,
            5,
            "unknown key",
        ),
        (
            MINIMAL.replace("stable: true", "stable: true\n    timeout: soon"),
            7,
            14,
            "not a duration",
        ),
        (MINIMAL.replace("stable: true", "stable: false"), 1, 1, "exactly one version"),
        (MINIMAL.replace("  name: support-assistant", "  description: x"), 2, 3, "required"),
        (MINIMAL + "versions: [\n", 8, 1, "invalid YAML"),
        (MINIMAL.replace("support-assistant", "Support Assistant!"), 2, 9, "pattern"),
    ],
)
def test_errors_name_file_line_and_column(text: str, line: int, column: int, fragment: str) -> None:
    """Each problem names file:line:column, the path, and what to do."""
    with pytest.raises(ManifestError) as caught:
        parse(text, source="lockgate.yaml")
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.column) == ("lockgate.yaml", line, column), problem
    assert fragment in problem.message or fragment in str(problem)


@pytest.mark.parametrize(
    "value",
    [
        "Bearer sk-abcdefghijklmnopqrstuvwx",
        "sk-proj-abcdefghijklmnop1234",
        "AKIAABCDEFGHIJKLMNOP",
        "plainpassword",
    ],
)
def test_literal_credentials_are_rejected(value: str) -> None:
    """A literal that looks like a credential, or any literal under a secret key, is refused."""
    text = MINIMAL + f"    headers:\n      Authorization: {value}\n"
    with pytest.raises(ManifestError) as caught:
        parse(text)
    assert "${env:NAME}" in str(caught.value)
    assert caught.value.problems[0].line == 8


def test_references_are_accepted_and_resolved(tmp_path: Path) -> None:
    """`${env:...}` and `${file:...}` references pass validation and resolve at use."""
    text = MINIMAL + "    headers:\n      Authorization: Bearer ${env:LG_T_KEY}\n"
    manifest = parse(text)
    header = manifest.versions["v1"].headers["Authorization"]
    assert resolve(header, env={"LG_T_KEY": "abc"}) == "Bearer abc"
    (tmp_path / "token").write_text("from-file\n")
    assert resolve("${file:token}", base_dir=tmp_path) == "from-file"
    with pytest.raises(ConfigError, match="LG_T_MISSING"):
        resolve("${env:LG_T_MISSING}", env={})
    with pytest.raises(ConfigError, match="cannot be read"):
        resolve("${file:nope}", base_dir=tmp_path)


def test_fallback_must_name_a_known_version() -> None:
    """A fallback to an undeclared version is rejected."""
    text = MINIMAL + "fallback:\n  chain:\n    - action: version\n      version: v9\n"
    with pytest.raises(ManifestError, match="v9"):
        parse(text)


def test_load_reports_missing_file(tmp_path: Path) -> None:
    """A missing manifest says how to make one."""
    with pytest.raises(ConfigError, match="lockgate init"):
        load(tmp_path / "nope.yaml")


def test_revision_is_content_hash(tmp_path: Path) -> None:
    """The revision changes when, and only when, the text changes."""
    path = tmp_path / "lockgate.yaml"
    path.write_text(MINIMAL)
    first = load(path).revision
    assert load(path).revision == first
    path.write_text(MINIMAL + "\n# comment\n")
    assert load(path).revision != first
