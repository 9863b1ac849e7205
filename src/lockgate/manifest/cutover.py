"""``flags``, ``fallback`` and ``rollout``: how traffic is switched, protected and moved."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field

from lockgate.manifest.base import Section
from lockgate.manifest.types import Duration, Name, Percent
from lockgate.rollout.analysis import AnalysisRules, ErrorRateRule, LatencyP95Rule, MetricRule


class FlagKind(StrEnum):
    """Flag value types."""

    BOOLEAN = "boolean"
    PERCENTAGE = "percentage"
    VARIANT = "variant"


class TargetingRule(Section):
    """Serve a value to requests whose attribute matches."""

    attribute: str = Field(description="key_id, tenant, user, service or header:<name>.")
    op: Literal["in", "not_in", "eq", "neq"] = "in"
    values: list[str] = Field(default_factory=list)
    serve: Any = None
    percentage: Percent | None = None


class FlagSpec(Section):
    """A feature flag declared in the manifest (kill switches `<service>.enabled` are implicit)."""

    kind: FlagKind = FlagKind.BOOLEAN
    default: Any = False
    variants: dict[str, Any] = Field(default_factory=dict)
    rules: list[TargetingRule] = Field(default_factory=list)
    description: str = ""


class Trigger(StrEnum):
    """What sends a request down the fallback chain."""

    TIMEOUT = "timeout"
    CONNECTION_ERROR = "connection_error"
    HTTP_5XX = "http_5xx"
    CIRCUIT_OPEN = "circuit_open"
    KILL_SWITCH = "kill_switch"
    GUARD_REJECTED = "guard_rejected"


class RetryAction(Section):
    """Retry the same version, within a budget so retries cannot amplify an outage."""

    action: Literal["retry"]
    attempts: int = Field(default=1, ge=1, le=5)
    backoff: Duration = 0.05
    budget: float = Field(default=0.1, gt=0, le=1, description="Retries per request, at most.")


class VersionAction(Section):
    """Send the request to another version (e.g. the previous model)."""

    action: Literal["version"]
    version: Name


class StaticAction(Section):
    """Answer with a fixed, safe message."""

    action: Literal["static"]
    message: str


class HandoffAction(Section):
    """Hand the conversation to a human channel and tell the user."""

    action: Literal["handoff"]
    webhook: str | None = Field(default=None, description="URL the ticket is posted to.")
    message: str = (
        "I'm passing your conversation to a member of our support team. "
        "Your ticket number is {ticket}."
    )


FallbackAction = Annotated[
    RetryAction | VersionAction | StaticAction | HandoffAction, Field(discriminator="action")
]


class CircuitBreakerSpec(Section):
    """Per-version circuit breaker: closed, open, half-open with probes."""

    failure_rate: float = Field(default=0.5, gt=0, le=1)
    min_requests: int = Field(default=20, ge=1)
    window: Duration = 10.0
    open_for: Duration = 5.0
    half_open_probes: int = Field(default=3, ge=1)


class FallbackSpec(Section):
    """The fallback chain tried, in order, when a trigger fires."""

    triggers: list[Trigger] = Field(default_factory=lambda: list(Trigger))
    chain: list[FallbackAction] = Field(default_factory=list)
    circuit_breaker: CircuitBreakerSpec = Field(default_factory=CircuitBreakerSpec)


class Strategy(StrEnum):
    """How a new version receives traffic."""

    CANARY = "canary"
    BLUE_GREEN = "blue-green"
    SHADOW = "shadow"


class RolloutStep(Section):
    """One canary step."""

    weight: Percent
    bake: Duration = 60.0
    min_requests: int = Field(default=100, ge=0)


Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WORKDAYS: tuple[Weekday, ...] = ("mon", "tue", "wed", "thu")


class CutoverWindow(Section):
    """When rollouts may start."""

    days: list[Weekday] = Field(default_factory=lambda: list(WORKDAYS))
    start: str = Field(default="09:00", pattern=r"^\d{2}:\d{2}$")
    end: str = Field(default="16:00", pattern=r"^\d{2}:\d{2}$")
    timezone: str = "UTC"


class PreflightSpec(Section):
    """Checks a candidate must pass before it receives any traffic (the golden set)."""

    golden_field: str = Field(
        default="lockgate_example.intent",
        description="Dotted path of the answer field compared with each golden expectation.",
    )
    expected_key: str = Field(
        default="expected_intent", description="Key of the expected value in each golden line."
    )
    min_pass_rate: float = Field(default=0.9, ge=0, le=1)
    concurrency: int = Field(default=4, ge=1, le=64, description="Golden prompts in flight.")


def _default_metrics() -> tuple[MetricRule, ...]:
    return (
        ErrorRateRule(ceiling=0.05, bake_samples=1000),
        LatencyP95Rule(bake_samples=1000),
    )


class AnalysisSpec(AnalysisRules):
    """How often and on what the canary is judged: the analysis rules plus their timing.

    The rules are ``lockgate.rollout.analysis.AnalysisRules`` (see docs/rollout-analysis.md).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    interval: Duration = Field(default=10.0, gt=0, description="Time between two analyses.")
    deadline: Duration = Field(
        default=600.0, gt=0, description="Inconclusive steps fail after this."
    )
    alpha: float = Field(default=0.01, gt=0, lt=0.5, description="False rollback bound per step.")
    metrics: tuple[MetricRule, ...] = Field(default_factory=_default_metrics, min_length=1)
    preflight: PreflightSpec = Field(default_factory=PreflightSpec)


class RolloutSpec(Section):
    """The rollout plan for new versions of this service."""

    strategy: Strategy = Strategy.CANARY
    steps: list[RolloutStep] = Field(default_factory=list)
    analysis: AnalysisSpec = Field(default_factory=AnalysisSpec)
    post_promotion_watch: Duration = 300.0
    windows: list[CutoverWindow] = Field(default_factory=list)
    approval_required: bool | None = Field(
        default=None, description="Defaults to true in the production stage."
    )
    approvers: list[str] = Field(default_factory=list)
    golden_set: str | None = Field(default=None, description="JSONL of prompts and expectations.")
    keep_warm: Duration = Field(default=600.0, description="Blue-green: old version kept warm.")
    shadow_share: Percent = 100.0
    sticky_on: list[str] = Field(
        default_factory=lambda: [
            "header:x-lockgate-conversation",
            "header:x-lockgate-user",
            "key_id",
        ]
    )


Flags = dict[Name, FlagSpec]
