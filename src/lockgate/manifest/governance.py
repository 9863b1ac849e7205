"""Ownership (RACI), model card, data governance, runbooks and waivers: the parts people read."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import Field, field_validator

from lockgate.manifest.base import Section
from lockgate.manifest.secrets import SECRET_REF
from lockgate.manifest.types import Duration


class Activity(StrEnum):
    """Activities every AI service must have owners for."""

    MODEL_SELECTION = "model_selection"
    DATA_GOVERNANCE = "data_governance"
    DEPLOYMENT = "deployment"
    ON_CALL = "on_call"
    INCIDENT_RESPONSE = "incident_response"


class Person(Section):
    """Someone named in the manifest."""

    name: str
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    role: str = ""
    team: str = ""


class Raci(Section):
    """Responsible, Accountable, Consulted and Informed for one activity (names from `people`)."""

    responsible: list[str] = Field(default_factory=list)
    accountable: list[str] = Field(default_factory=list)
    consulted: list[str] = Field(default_factory=list)
    informed: list[str] = Field(default_factory=list)


class OnCall(Section):
    """Who gets paged and where it goes next."""

    rotation: str = ""
    escalation: list[str] = Field(default_factory=list, description="Names, first to last.")
    channel: str = ""


class Ownership(Section):
    """Who owns what, as a RACI matrix per activity."""

    team: str = ""
    people: dict[str, Person] = Field(default_factory=dict, description="Keyed by a short handle.")
    raci: dict[Activity, Raci] = Field(default_factory=dict)
    on_call: OnCall = Field(default_factory=OnCall)


class FailureMode(Section):
    """A way the model fails, how it is seen and what is done about it."""

    name: str
    detection: str = ""
    mitigation: str = ""
    runbook: str | None = Field(default=None, description="Id of a runbook in `runbooks`.")


class ModelCard(Section):
    """What the model is for and what it must not be used for."""

    purpose: str = ""
    intended_users: str = ""
    out_of_scope: list[str] = Field(default_factory=list)
    limitations: list[str] = Field(default_factory=list)
    failure_modes: list[FailureMode] = Field(default_factory=list)
    evaluation: dict[str, float] = Field(
        default_factory=dict, description="Offline evaluation figures, e.g. accuracy per version."
    )


class DataSource(Section):
    """A data set or stream the service learns from or reads at run time."""

    name: str
    description: str = ""
    owner: str = ""
    pii: list[str] = Field(default_factory=list, description="PII classes it carries, e.g. EMAIL.")
    kind: str = Field(default="", description="training, evaluation, retrieval, live, ...")


class PayloadOperator(StrEnum):
    """How a detected value is replaced before a payload is stored."""

    REDACT = "redact"
    MASK = "mask"
    PSEUDONYMIZE = "pseudonymize"


class PayloadPrivacy(Section):
    """What happens to personal data in stored payloads before they are encrypted."""

    default: PayloadOperator = Field(
        default=PayloadOperator.PSEUDONYMIZE,
        description="Operator for every entity type not under `operators`.",
    )
    operators: dict[str, PayloadOperator] = Field(
        default_factory=dict, description="Operator per entity type, e.g. CREDIT_CARD: mask."
    )
    allow: list[str] = Field(
        default_factory=list, description="Values never treated as personal data."
    )
    deny: dict[str, str] = Field(
        default_factory=dict, description="Values always replaced, with their entity type."
    )
    phone_regions: list[str] = Field(
        default_factory=lambda: ["US"], min_length=1, description="Regions for local numbers."
    )
    minimize: bool = Field(
        default=False,
        description="Data minimization: personal data in chat messages is replaced by placeholders "
        "before the upstream sees it and restored in the answer; stored payloads keep only message "
        "roles and texts.",
    )


class DataSection(Section):
    """Data sources, personal data classes and how long each stored class is kept."""

    sources: list[DataSource] = Field(default_factory=list)
    pii_classes: list[str] = Field(default_factory=list)
    retention: dict[str, Duration] = Field(
        default_factory=dict,
        description="Retention per stored class: request_log, interactions, handoffs, audit, ...",
    )
    store_payloads: bool = Field(
        default=False, description="Store request and response payloads (after redaction)."
    )
    kek: str | None = Field(
        default=None,
        description="Key-encryption key for stored payloads: ${env:NAME} or ${file:PATH} "
        "holding 32 bytes in base64.",
    )
    hmac_key: str | None = Field(
        default=None,
        description="Pseudonymization secret: ${env:NAME} or ${file:PATH}, at least 16 bytes.",
    )
    privacy: PayloadPrivacy = Field(default_factory=PayloadPrivacy)

    @field_validator("kek", "hmac_key")
    @classmethod
    def _reference(cls, value: str | None) -> str | None:
        if value is not None and not SECRET_REF.fullmatch(value.strip()):
            raise ValueError("write a reference, ${env:NAME} or ${file:PATH}, not the key itself")
        return value


class Runbook(Section):
    """A runbook: what triggers it and where its steps are."""

    id: str
    title: str = ""
    path: str | None = Field(default=None, description="Markdown file, relative to the manifest.")
    trigger: str = ""
    severity: str = ""
    owner: str = ""


class Waiver(Section):
    """A readiness check knowingly skipped until a date."""

    check: str
    reason: str
    approver: str
    expires: dt.date

    @field_validator("reason", "approver")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank: a waiver needs a reason and a named approver")
        return value
