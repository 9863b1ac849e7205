"""What ``lockgate init`` fills its templates with: a starter and the support-assistant example."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lockgate.example.dataset import GOLDEN_PATH
from lockgate.manifest.governance import Activity
from lockgate.readiness.checks.common import PLACEHOLDER


@dataclass(frozen=True, slots=True)
class Person:
    """Someone named in the scaffold."""

    handle: str
    name: str
    role: str
    email: str | None = None


@dataclass(frozen=True, slots=True)
class Roles:
    """Which handle plays each part in the RACI and the review."""

    ml: str
    platform: str
    privacy: str
    product: str
    security: str


@dataclass(frozen=True, slots=True)
class Blueprint:
    """Everything the templates need for one kind of scaffold."""

    service: Mapping[str, str]
    versions: tuple[Mapping[str, Any], ...]
    team: str
    people: tuple[Person, ...]
    roles: Roles
    channel: str
    purpose: str
    intended_users: str
    out_of_scope: tuple[str, ...]
    limitations: tuple[str, ...]
    sources: tuple[Mapping[str, Any], ...]
    pii_classes: tuple[str, ...]
    golden_source: Path | None = None
    example: bool = False
    reviewed: bool = False
    """The example records a security review dated the day it is written."""

    def raci(self) -> list[tuple[str, list[tuple[str, list[str]]]]]:
        """Per activity, the (letter name, handles) pairs; one accountable each."""
        r = self.roles
        table = {
            Activity.MODEL_SELECTION: ([r.ml], [r.product], [r.platform], [r.privacy]),
            Activity.DATA_GOVERNANCE: ([r.ml], [r.privacy], [r.product], [r.platform]),
            Activity.DEPLOYMENT: ([r.platform], [r.ml], [r.product], [r.privacy]),
            Activity.ON_CALL: ([r.platform], [r.ml], [], [r.product]),
            Activity.INCIDENT_RESPONSE: (
                [r.platform],
                [r.product],
                [r.ml, r.privacy, r.security],
                [],
            ),
        }
        names = ("responsible", "accountable", "consulted", "informed")
        return [
            (activity.value, [(n, h) for n, h in zip(names, entry, strict=True) if h])
            for activity, entry in table.items()
        ]

    def context(self, today: dt.date) -> dict[str, Any]:
        """The template variables."""
        raci = self.raci()
        letters: list[tuple[str, dict[str, str]]] = []
        for activity, entry in raci:
            marks: dict[str, str] = {}
            for name, handles in entry:
                for handle in handles:
                    marks[handle] = marks.get(handle, "") + name[0].upper()
            letters.append((activity, marks))
        runbooks = [
            {"id": "upstream-down", "title": "Model server down", "severity": "page",
             "owner": self.roles.platform},
            {"id": "bad-release", "title": "Bad model release", "severity": "page",
             "owner": self.roles.ml},
            {"id": "drift", "title": "Input drift", "severity": "ticket", "owner": self.roles.ml},
            {"id": "pii-leak", "title": "Personal data leak", "severity": "page",
             "owner": self.roles.privacy},
            {"id": "cost-spike", "title": "Cost spike", "severity": "ticket",
             "owner": self.roles.platform},
        ]  # fmt: skip
        return {
            "service": self.service,
            "versions": self.versions,
            "team": self.team,
            "people": self.people,
            "people_by_handle": {person.handle: person for person in self.people},
            "roles": self.roles,
            "raci_entries": raci,
            "raci": letters,
            "channel": self.channel,
            "purpose": self.purpose,
            "intended_users": self.intended_users,
            "out_of_scope": self.out_of_scope,
            "limitations": self.limitations,
            "sources": self.sources,
            "pii_classes": self.pii_classes,
            "golden_set": "golden.jsonl" if self.golden_source else None,
            "runbooks": runbooks,
            "example": self.example,
            "review_date": today.isoformat() if self.reviewed else None,
        }


STARTER = Blueprint(
    service={
        "name": "my-assistant",
        "description": f"{PLACEHOLDER}: what the service does, in one sentence.",
        "stage": "poc",
    },
    versions=(
        {
            "name": "v1",
            "upstream": "http://127.0.0.1:8000",
            "stable": True,
            "description": "The first version.",
        },
    ),
    team=f"{PLACEHOLDER}: team name",
    people=(
        Person("ml-lead", f"{PLACEHOLDER}: ML lead", "ML lead"),
        Person("platform", f"{PLACEHOLDER}: platform engineer", "Platform engineer"),
        Person("privacy", f"{PLACEHOLDER}: data protection officer", "Data protection officer"),
        Person("product", f"{PLACEHOLDER}: product owner", "Product owner"),
        Person("security", f"{PLACEHOLDER}: security engineer", "Security engineer"),
    ),
    roles=Roles("ml-lead", "platform", "privacy", "product", "security"),
    channel="#my-assistant-oncall",
    purpose=f"{PLACEHOLDER}: what the model is for.",
    intended_users=f"{PLACEHOLDER}: who uses it, and who reviews its output.",
    out_of_scope=(f"{PLACEHOLDER}: decisions the model must never make on its own.",),
    limitations=(f"{PLACEHOLDER}: languages, data it was trained on, known weak spots.",),
    sources=(
        {
            "name": "live-traffic",
            "description": "What users send through the gateway.",
            "owner": "product",
            "pii": ["EMAIL", "PHONE"],
            "kind": "live",
        },
    ),
    pii_classes=("EMAIL", "PHONE"),
)

SUPPORT_ASSISTANT = Blueprint(
    service={
        "name": "support-assistant",
        "description": "Classifies customer messages into support intents and answers from the "
        "FAQ knowledge base; hands the conversation to a human agent when it cannot help.",
        "stage": "staging",
    },
    versions=(
        {
            "name": "v1",
            "upstream": "http://127.0.0.1:8801",
            "stable": True,
            "description": "Baseline intent model (word unigrams).",
        },
        {
            "name": "v2",
            "upstream": "http://127.0.0.1:8802",
            "stable": False,
            "description": "Better model (word and character n-grams).",
        },
        {
            "name": "v3",
            "upstream": "http://127.0.0.1:8803",
            "stable": False,
            "description": "Retrain from a corrupted pipeline run (the bad release a canary must "
            "catch).",
        },
    ),
    team="Customer Support AI",
    people=(
        Person("amara", "Amara Osei", "ML lead", "amara.osei@example.com"),
        Person("jonas", "Jonas Berg", "Platform engineer", "jonas.berg@example.com"),
        Person("lin", "Lin Chen", "Data protection officer", "lin.chen@example.com"),
        Person("rosa", "Rosa Diaz", "Support operations manager", "rosa.diaz@example.com"),
        Person("noor", "Noor Haddad", "Security engineer", "noor.haddad@example.com"),
    ),
    roles=Roles("amara", "jonas", "lin", "rosa", "noor"),
    channel="#support-ai-oncall",
    purpose="Route customer messages to the right answer or team, and answer common questions.",
    intended_users="Customers on the web chat; support agents reviewing hand-offs.",
    out_of_scope=(
        "Legal, medical or financial advice.",
        "Decisions on refunds or account closure (a human decides).",
    ),
    limitations=(
        "English only; trained on synthetic support messages.",
        "Confidence is a classifier probability, not a guarantee.",
    ),
    sources=(
        {
            "name": "support-intents",
            "owner": "amara",
            "kind": "training",
            "description": "Labelled customer messages used for training and evaluation.",
            "pii": ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN"],
        },
        {
            "name": "live-chat",
            "owner": "rosa",
            "kind": "live",
            "description": "Messages customers send through the chat widget.",
            "pii": ["EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS"],
        },
    ),
    pii_classes=("EMAIL", "PHONE", "CREDIT_CARD", "IBAN", "IP_ADDRESS"),
    golden_source=GOLDEN_PATH,
    example=True,
    reviewed=True,
)

BLUEPRINTS: Mapping[str, Blueprint] = MappingProxyType(
    {"starter": STARTER, "support-assistant": SUPPORT_ASSISTANT}
)
