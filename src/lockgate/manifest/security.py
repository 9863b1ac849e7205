"""``security``: the threat model, who may do what (as key scopes), and the last security review.

Access is declared per capability; each capability maps to the key scopes that grant it, so a
readiness check can compare the declaration with the keys that exist::

    security:
      access:
        - capability: deploy            # rollouts:write, rollouts:approve, config:write
          people: [jonas, amara]
          keys: [ci-deploy]
        - capability: read_live_data    # interactions:read
          people: [lin]
          keys: [dpo-review]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from pydantic import Field, field_validator

from lockgate.auth.scopes import Scope
from lockgate.manifest.base import Section


class Capability(StrEnum):
    """Something a person or a key may do to the service."""

    DEPLOY = "deploy"
    READ_LIVE_DATA = "read_live_data"
    MANAGE_KEYS = "manage_keys"
    CHANGE_FLAGS = "change_flags"
    READ_AUDIT = "read_audit"
    INVOKE = "invoke"


CAPABILITY_SCOPES: Mapping[Capability, tuple[Scope, ...]] = MappingProxyType(
    {
        Capability.DEPLOY: (Scope.ROLLOUTS_WRITE, Scope.ROLLOUTS_APPROVE, Scope.CONFIG_WRITE),
        Capability.READ_LIVE_DATA: (Scope.INTERACTIONS_READ,),
        Capability.MANAGE_KEYS: (Scope.KEYS_ADMIN,),
        Capability.CHANGE_FLAGS: (Scope.FLAGS_WRITE,),
        Capability.READ_AUDIT: (Scope.AUDIT_READ,),
        Capability.INVOKE: (Scope.INVOKE,),
    }
)
"""The key scopes each capability stands for unless a declaration lists its own."""


class ThreatActor(Section):
    """Someone who could harm the service or its users."""

    name: str
    kind: str = Field(default="", description="external, insider, supplier, user, ...")
    description: str = ""


class DataFlow(Section):
    """Data moving between two parts of the system."""

    name: str
    source: str
    destination: str
    data: list[str] = Field(default_factory=list, description="What moves, e.g. PII classes.")
    crosses_trust_boundary: bool = False
    protection: str = Field(default="", description="TLS, redaction, encryption at rest, ...")


class CriticalAsset(Section):
    """Something whose loss or misuse would hurt: keys, stored payloads, the model, ..."""

    name: str
    description: str = ""


class MitigationStatus(StrEnum):
    """Whether a mitigation is in place."""

    IMPLEMENTED = "implemented"
    PLANNED = "planned"


class Mitigation(Section):
    """A control against a threat to named critical assets."""

    threat: str
    control: str
    assets: list[str] = Field(default_factory=list, description="Names from `critical_assets`.")
    status: MitigationStatus = MitigationStatus.IMPLEMENTED


class ThreatModel(Section):
    """Actors, data flows, critical assets and the mitigations that protect them."""

    actors: list[ThreatActor] = Field(default_factory=list)
    data_flows: list[DataFlow] = Field(default_factory=list)
    critical_assets: list[CriticalAsset] = Field(default_factory=list)
    mitigations: list[Mitigation] = Field(default_factory=list)


class AccessDeclaration(Section):
    """Who may use a capability, and the keys allowed to hold its scopes."""

    capability: Capability
    scopes: list[Scope] = Field(
        default_factory=list,
        description="Key scopes granting the capability (default: the capability's own).",
    )
    people: list[str] = Field(default_factory=list, description="Handles from ownership.people.")
    keys: list[str] = Field(
        default_factory=list, description="Names of the API keys allowed to hold these scopes."
    )

    @property
    def granted_by(self) -> tuple[Scope, ...]:
        """The scopes this declaration governs."""
        return tuple(self.scopes) or CAPABILITY_SCOPES[self.capability]


class ReviewFunction(StrEnum):
    """Which function a review participant speaks for."""

    SECURITY = "security"
    PRIVACY = "privacy"
    PRODUCT = "product"
    ENGINEERING = "engineering"
    LEGAL = "legal"


class Participant(Section):
    """Someone who took part in a review."""

    name: str
    function: ReviewFunction


class FindingSeverity(StrEnum):
    """How bad a finding is."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class FindingStatus(StrEnum):
    """Where a finding stands."""

    OPEN = "open"
    MITIGATED = "mitigated"
    ACCEPTED = "accepted"
    CLOSED = "closed"


class Finding(Section):
    """Something a review found."""

    id: str
    title: str
    severity: FindingSeverity
    status: FindingStatus = FindingStatus.OPEN
    owner: str = ""


class SecurityReview(Section):
    """The last security review: when, who took part, and what it found."""

    date: dt.date
    participants: list[Participant] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    report: str | None = Field(default=None, description="Where the full review is written up.")

    @field_validator("findings")
    @classmethod
    def _unique_ids(cls, value: list[Finding]) -> list[Finding]:
        ids = [finding.id for finding in value]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"finding ids must be unique; repeated: {', '.join(twice)}")
        return value


class SecuritySection(Section):
    """Threat model, access declarations and the last security review."""

    threat_model: ThreatModel = Field(default_factory=ThreatModel)
    access: list[AccessDeclaration] = Field(default_factory=list)
    review: SecurityReview | None = None
