"""The root of ``lockgate.yaml``."""

from __future__ import annotations

from pydantic import Field, model_validator

from lockgate.manifest.base import Section
from lockgate.manifest.cutover import FallbackSpec, Flags, RolloutSpec
from lockgate.manifest.drills import DrillTargets
from lockgate.manifest.gateway import GatewaySettings
from lockgate.manifest.governance import DataSection, ModelCard, Ownership, Runbook, Waiver
from lockgate.manifest.monitors import MonitorsSection
from lockgate.manifest.reliability import SLO, AlertsSection
from lockgate.manifest.security import SecuritySection
from lockgate.manifest.service import ServiceSection, Versions
from lockgate.manifest.telemetry import TelemetrySettings

SCHEMA_VERSION = 1


class Manifest(Section):
    """A Lockgate manifest: one AI service, its versions, owners and operating rules."""

    schema_version: int = Field(default=SCHEMA_VERSION, alias="version")
    service: ServiceSection
    versions: Versions = Field(min_length=1)
    ownership: Ownership = Field(default_factory=Ownership)
    model_card: ModelCard = Field(default_factory=ModelCard)
    data: DataSection = Field(default_factory=DataSection)
    slos: list[SLO] = Field(default_factory=list)
    alerts: AlertsSection = Field(default_factory=AlertsSection)
    flags: Flags = Field(default_factory=dict)
    fallback: FallbackSpec = Field(default_factory=FallbackSpec)
    rollout: RolloutSpec = Field(default_factory=RolloutSpec)
    runbooks: list[Runbook] = Field(default_factory=list)
    waivers: list[Waiver] = Field(default_factory=list)
    monitors: MonitorsSection = Field(default_factory=MonitorsSection)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    security: SecuritySection = Field(default_factory=SecuritySection)
    drills: DrillTargets = Field(default_factory=DrillTargets)
    gateway: GatewaySettings = Field(default_factory=GatewaySettings)

    @model_validator(mode="after")
    def _one_stable_version(self) -> Manifest:
        stable = [name for name, spec in self.versions.items() if spec.stable]
        if len(stable) != 1:
            found = ", ".join(stable) or "none"
            raise ValueError(
                f"exactly one version must be marked `stable: true` (found: {found}); "
                "mark the version that serves traffic today"
            )
        return self

    @model_validator(mode="after")
    def _fallback_versions_exist(self) -> Manifest:
        for action in self.fallback.chain:
            version = getattr(action, "version", None)
            if version is not None and version not in self.versions:
                raise ValueError(
                    f"fallback names version {version!r}, which is not under `versions`"
                )
        return self

    @property
    def stable_version(self) -> str:
        """Name of the version marked stable."""
        return next(name for name, spec in self.versions.items() if spec.stable)
