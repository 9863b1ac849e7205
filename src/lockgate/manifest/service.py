"""``service`` and ``versions``: what is served and where each version's upstream lives."""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, HttpUrl

from lockgate.manifest.base import Section
from lockgate.manifest.types import Duration, Name


class Stage(StrEnum):
    """Where the service stands on the way to production."""

    POC = "poc"
    STAGING = "staging"
    PRODUCTION = "production"


class ServiceSection(Section):
    """The AI service Lockgate fronts."""

    name: Name = Field(description="Service name; clients send it as the request's `model`.")
    description: str = ""
    stage: Stage = Stage.POC


class UpstreamAPI(StrEnum):
    """How the gateway talks to a version's upstream."""

    OPENAI = "openai"
    """OpenAI-compatible: `/v1/chat/completions` is appended to the upstream URL."""
    INVOKE = "invoke"
    """Any JSON API: `/v1/services/{service}/invoke` posts the body to the upstream URL as is."""


class VersionSpec(Section):
    """One deployable version of the model and the upstream that serves it."""

    upstream: HttpUrl = Field(
        description="Base URL of the model server, e.g. http://10.0.0.5:8000."
    )
    api: UpstreamAPI = UpstreamAPI.OPENAI
    invoke_path: str = Field(
        default="/invoke", description="Path posted to by the invoke endpoint (api: invoke)."
    )
    timeout: Duration = Field(default=30.0, gt=0, description="Whole upstream call budget.")
    connect_timeout: Duration = Field(default=2.0, gt=0)
    headers: dict[str, str] = Field(
        default_factory=dict,
        description="Headers sent upstream; secrets only as ${env:NAME} or ${file:PATH}.",
    )
    upstream_model: str | None = Field(
        default=None, description="Rewrite the request's `model` to this name upstream."
    )
    stable: bool = Field(default=False, description="Exactly one version is the stable baseline.")
    verify_tls: bool = Field(default=True, description="Verify the upstream's TLS certificate.")
    ca_bundle: str | None = Field(default=None, description="CA file for a private upstream PKI.")
    description: str = ""


Versions = dict[Name, VersionSpec]
