"""The snapshot every check reads: the manifest, files next to it, and facts from the store.

``gather.py`` builds it (the only module here that does I/O); checks are pure functions of it, so
tests build snapshots by hand. ``store`` is None when no store was read: live checks then report
that they have no evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from lockgate.manifest.model import Manifest
from lockgate.store.evidence import Proof


@dataclass(frozen=True, slots=True)
class KeyFact:
    """An API key as far as readiness cares: name, scopes, services, expiry, revocation."""

    id: str
    name: str
    scopes: frozenset[str]
    services: tuple[str, ...] | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None = None

    def active(self, now: dt.datetime) -> bool:
        """Not revoked and not expired at ``now``."""
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def serves(self, service: str) -> bool:
        """True when the key may be used against ``service``."""
        return self.services is None or service in self.services


@dataclass(frozen=True, slots=True)
class AlertTestFact:
    """A test notification of one alert to one notifier."""

    rule: str
    notifier: str
    delivered: bool
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class FlagChange:
    """An audited ``flag.set`` of a flag."""

    flag: str
    at: dt.datetime
    actor: str
    value: Any


@dataclass(frozen=True, slots=True)
class RequestSpan:
    """The oldest and newest request-log entries of the service."""

    first: dt.datetime
    last: dt.datetime


@dataclass(frozen=True, slots=True)
class AuditState:
    """The audit chain as verified when the snapshot was taken."""

    records: int
    broken_seq: int | None = None
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RolloutFact:
    """A rollout of the service and how far it got."""

    id: str
    candidate: str
    strategy: str
    phase: str
    promoted_at: dt.datetime | None
    finished_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class StoreFacts:
    """What the store says happened."""

    keys: tuple[KeyFact, ...] = ()
    proofs: tuple[Proof, ...] = ()
    alert_tests: tuple[AlertTestFact, ...] = ()
    flag_changes: tuple[FlagChange, ...] = ()
    requests: RequestSpan | None = None
    audit: AuditState | None = None
    purges: tuple[dt.datetime, ...] = ()
    rollouts: tuple[RolloutFact, ...] = ()

    def proofs_of(self, kind: str) -> tuple[Proof, ...]:
        """Evidence of ``kind``, newest first."""
        found = (proof for proof in self.proofs if proof.kind == kind)
        return tuple(sorted(found, key=lambda proof: proof.at, reverse=True))


@dataclass(frozen=True, slots=True)
class Evidence:
    """Everything the checks may look at, taken at one instant."""

    manifest: Manifest
    now: dt.datetime
    manifest_text: str = ""
    files: Mapping[str, str | None] = field(default_factory=dict)
    """Files the manifest names (runbooks, golden set), by the path written in the manifest;
    None when the file does not exist."""
    store: StoreFacts | None = None

    @property
    def service(self) -> str:
        """The service's name."""
        return self.manifest.service.name

    def file(self, path: str) -> str | None:
        """The text of a file the manifest names, or None when it is missing."""
        return self.files.get(path)
