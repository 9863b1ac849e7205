"""``monitors``: how to read the model's answers, drift detection, and synthetic probes."""

from __future__ import annotations

from pydantic import Field

from lockgate.manifest.base import Section
from lockgate.manifest.drift import DriftConfig
from lockgate.manifest.types import Duration


class ContractSpec(Section):
    """A JSON Schema the answer (or a part of it) must satisfy."""

    schema_file: str = Field(alias="schema", description="JSON Schema file, relative to manifest.")
    at: str = Field(default="", description="JSON pointer to the validated part ('' = the body).")
    parse_json: bool = Field(
        default=False, description="The part is a JSON string (e.g. the message content): parse it."
    )


class OutputSpec(Section):
    """Where the answer's structured parts are, as JSON pointers into the upstream's response."""

    label: str | None = Field(
        default=None,
        description="A categorical output (e.g. /lockgate_example/intent): drift, quality, canary "
        "output mix and shadow comparison use it.",
    )
    confidence: str | None = Field(default=None, description="A numeric model confidence.")
    contract: ContractSpec | None = Field(
        default=None,
        description="An output contract: candidate answers that break it count as errors in "
        "the golden set and in canary analysis.",
    )


class DriftSpec(Section):
    """Drift detection on live traffic against a reference profile."""

    enabled: bool = True
    reference: str = Field(description="Reference profile file (JSON), relative to the manifest.")
    config: DriftConfig


class ProbeSpec(Section):
    """The golden set run on a schedule against every serving version."""

    golden_set: str | None = Field(default=None, description="JSONL: prompt, expected label.")
    interval: Duration = 300.0
    pass_threshold: float = Field(default=0.9, ge=0, le=1)


class MonitorsSection(Section):
    """What Lockgate watches beyond request metrics."""

    output: OutputSpec = Field(default_factory=OutputSpec)
    drift: DriftSpec | None = None
    probes: ProbeSpec = Field(default_factory=ProbeSpec)
