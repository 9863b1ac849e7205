"""The drill's API key: one from a file, or short-lived ones minted in the store and revoked after.

A minted key lives 15 minutes and carries only the scenario's scopes, limited to the service. A
drill that runs longer gets a fresh key before the current one expires; every minted key is
revoked when the drill ends. Keys are minted on first use, so a drill that is not available
creates none.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.errors import ConfigError
from lockgate.store.db import Store

LIFETIME = dt.timedelta(minutes=15)
RENEW_BEFORE = dt.timedelta(minutes=2)


class KeySource(Protocol):
    """Where the drill's bearer token comes from."""

    def token(self) -> str:
        """The token to send now."""

    def close(self) -> None:
        """Give up every key this source created."""


class FileKey:
    """A key read from a file (first non-empty line); never revoked by the drill."""

    def __init__(self, path: Path) -> None:
        try:
            lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()]
        except OSError as exc:
            raise ConfigError(f"cannot read the key file {path} ({exc.strerror})") from exc
        found = next((line for line in lines if line), None)
        if found is None:
            raise ConfigError(f"the key file {path} is empty; put the key on its first line")
        self._token = found

    def token(self) -> str:
        """The file's key."""
        return self._token

    def close(self) -> None:
        """Nothing to give up."""


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class MintedKeys:
    """Short-lived keys for one drill, renewed before expiry and revoked at the end."""

    def __init__(
        self,
        store: Store,
        *,
        name: str,
        scopes: frozenset[Scope],
        service: str,
        actor: str,
        lifetime: dt.timedelta = LIFETIME,
        clock: Callable[[], dt.datetime] = _utc_now,
    ) -> None:
        self._store = store
        self._name = name
        self._scopes = scopes
        self._service = service
        self._actor = actor
        self._lifetime = lifetime
        self._clock = clock
        self._current: tuple[str, str, dt.datetime] | None = None
        self.minted: list[str] = []
        """Ids of every key minted, oldest first."""

    def token(self) -> str:
        """The current key; a new one when none exists or the current one is about to expire."""
        now = self._clock()
        if self._current is None or self._current[2] - now <= min(RENEW_BEFORE, self._lifetime / 2):
            info, token = manage.create_key(
                self._store,
                actor=self._actor,
                name=self._name,
                scopes=self._scopes,
                services=[self._service],
                expires_in=self._lifetime,
            )
            self.minted.append(info.id)
            self._current = (info.id, token, now + self._lifetime)
        return self._current[1]

    def close(self) -> None:
        """Revoke every minted key."""
        for key_id in self.minted:
            manage.revoke_key(self._store, actor=self._actor, key_id=key_id, reason="drill ended")
        self._current = None
