"""Which version serves a request. The stable version by default; rollouts install policies.

A policy is a small object with ``choose(service, context) -> version name``; the router holds one
per service and falls back to the stable version. Weights, stickiness and shadowing plug in here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from lockgate.gateway.services import ServiceRuntime, VersionRuntime


@dataclass(frozen=True, slots=True)
class RouteContext:
    """What a routing decision may look at."""

    key_id: str
    sticky_key: str | None
    tenant: str | None
    user: str | None = None
    headers: Mapping[bytes, bytes] | None = None


class RoutingPolicy(Protocol):
    """Chooses a version for a request of one service."""

    def choose(self, service: ServiceRuntime, context: RouteContext) -> str:
        """Name of the version that serves this request."""


class Router:
    """Per-service routing policies over the stable default."""

    def __init__(self) -> None:
        self._policies: dict[str, RoutingPolicy] = {}

    def install(self, service: str, policy: RoutingPolicy | None) -> None:
        """Route ``service`` by ``policy`` (None restores stable-only routing)."""
        if policy is None:
            self._policies.pop(service, None)
        else:
            self._policies[service] = policy

    def pick(self, service: ServiceRuntime, context: RouteContext) -> VersionRuntime:
        """The version that serves this request."""
        policy = self._policies.get(service.name)
        if policy is None:
            return service.versions[service.stable]
        name = policy.choose(service, context)
        return service.versions.get(name) or service.versions[service.stable]
