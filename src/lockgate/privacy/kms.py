"""Envelope encryption for stored payloads: data keys wrapped by a key-encryption key (KEK).

Each payload is sealed with AES-256-GCM under the active *data key*; the associated data is the
record id and the data key id, so a ciphertext copied onto another record, or relabelled with
another key, does not open. Data keys are stored only wrapped (``data_keys`` table); the KEK that
wraps them never touches the database. ``KeyProvider`` is the seam for a cloud KMS:

- ``wrap(data_key, context)`` maps to AWS KMS ``Encrypt`` / GCP Cloud KMS ``encrypt`` / Vault
  transit ``encrypt`` with ``context`` (the data key id) as encryption context or AAD;
- ``unwrap(wrapped, context)`` maps to the matching ``Decrypt`` call;
- ``kek_id`` names the wrapping key (a fingerprint here, a key ARN or resource name there) and is
  stored next to every wrapped data key, so a wrong KEK is named instead of failing obscurely.

``LocalKeyProvider`` keeps the KEK in process memory, read from ``data.kek`` (``${env:...}`` or
``${file:...}``, 32 bytes in base64).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import os
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from lockgate.manifest.secrets import resolve
from lockgate.privacy.errors import DecryptionError, InvalidKeyError
from lockgate.store import audit
from lockgate.store import interactions as repo
from lockgate.store.db import Store

KEY_BYTES = 32
NONCE_BYTES = 12
_VERSION = b"\x01"
_FINGERPRINT_LABEL = b"lockgate-kek-fingerprint"


class KeyProvider(Protocol):
    """Wraps and unwraps data keys with a key-encryption key it never reveals."""

    @property
    def name(self) -> str:
        """The provider kind stored with each data key, e.g. ``"local"``."""
        ...

    @property
    def kek_id(self) -> str:
        """Names the key-encryption key in use (fingerprint, key ARN, resource name)."""
        ...

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        """``data_key`` encrypted under the KEK, bound to ``context``."""
        ...

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """The data key; ``DecryptionError`` if it was wrapped by another KEK or altered."""
        ...


def _seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    return _VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, aad)


def _open(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    if len(sealed) <= 1 + NONCE_BYTES or sealed[:1] != _VERSION:
        raise DecryptionError("the ciphertext is truncated or of an unknown version")
    nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, aad)
    except InvalidTag as error:
        raise DecryptionError(
            "the ciphertext was altered, moved to another record or sealed with another key"
        ) from error


@dataclass(frozen=True, slots=True)
class LocalKeyProvider:
    """A KEK held in memory: AES-256-GCM key wrapping."""

    kek: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.kek) != KEY_BYTES:
            raise InvalidKeyError(
                f"the key-encryption key must be {KEY_BYTES} bytes; "
                "generate one with `openssl rand -base64 32`"
            )

    @classmethod
    def from_reference(
        cls, reference: str, *, base_dir: Path | None = None, env: Mapping[str, str] | None = None
    ) -> LocalKeyProvider:
        """The KEK named by ``${env:NAME}`` or ``${file:PATH}`` (base64 text)."""
        text = resolve(reference, base_dir=base_dir, env=env).strip()
        try:
            raw = base64.b64decode(text.replace("-", "+").replace("_", "/"), validate=True)
        except (binascii.Error, ValueError) as error:
            raise InvalidKeyError(
                f"{reference} is not base64; generate a key with `openssl rand -base64 32`"
            ) from error
        if len(raw) != KEY_BYTES:
            raise InvalidKeyError(
                f"{reference} decodes to {len(raw)} bytes, not {KEY_BYTES}; "
                "generate a key with `openssl rand -base64 32`"
            )
        return cls(raw)

    @property
    def name(self) -> str:
        """``local``."""
        return "local"

    @property
    def kek_id(self) -> str:
        """A fingerprint of the KEK that reveals nothing about it."""
        digest = hmac.new(self.kek, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()
        return f"local:{digest[:16]}"

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        """AES-256-GCM under the KEK with ``context`` as associated data."""
        return _seal(self.kek, data_key, context)

    def unwrap(self, wrapped: bytes, context: bytes) -> bytes:
        """The data key wrapped by ``wrap``."""
        return _open(self.kek, wrapped, context)


@dataclass(frozen=True, slots=True)
class DataKey:
    """An unwrapped data key; the key bytes never appear in ``repr``."""

    id: str
    key: bytes = field(repr=False)
    created_at: dt.datetime


def new_data_key_id() -> str:
    """A fresh data key id."""
    return "dk_" + secrets.token_hex(6)


def _aad(record_id: str, key_id: str) -> bytes:
    return f"{record_id}\x00{key_id}".encode()


class DataKeyRing:
    """Data keys from the store, unwrapped once and kept in memory; seals and opens payloads.

    The active key id is re-read every ``refresh`` seconds, so a rotation made by the CLI or
    another replica reaches this process within that interval. Thread-safe. Loading a key opens
    its own transaction, so call the ring outside your own (SQLite allows one writer at a time).
    """

    def __init__(
        self,
        store: Store,
        provider: KeyProvider,
        *,
        refresh: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._provider = provider
        self._refresh = refresh
        self._clock = clock
        self._keys: dict[str, DataKey] = {}
        self._active: str | None = None
        self._checked = float("-inf")
        self._lock = threading.Lock()

    @property
    def provider(self) -> KeyProvider:
        """The key provider wrapping this ring's keys."""
        return self._provider

    def active(self) -> DataKey:
        """The key new payloads are sealed with; the first one is created on first use."""
        with self._lock:
            if self._active is None or self._clock() - self._checked >= self._refresh:
                self._active = self._load_active()
                self._checked = self._clock()
            return self._keys[self._active]

    def get(self, key_id: str) -> DataKey:
        """Any stored key by id, active or not."""
        with self._lock:
            cached = self._keys.get(key_id)
            if cached is not None:
                return cached
            with self._store.transaction() as session:
                row = repo.get_data_key(session, key_id)
                if row is None:
                    raise DecryptionError(f"the data key {key_id} is not in the store")
                return self._remember(row)

    def rotate(self, *, actor: str, reason: str = "") -> DataKey:
        """Create a new active key; older keys stay for reading. Audited."""
        key_id = new_data_key_id()
        raw = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        with self._lock, self._store.transaction() as session:
            previous = repo.active_data_key(session)
            row = repo.add_data_key(
                session,
                key_id=key_id,
                wrapped=self._provider.wrap(raw, key_id.encode()),
                provider=self._provider.name,
                kek_id=self._provider.kek_id,
                active=True,
            )
            repo.deactivate_data_keys(session, keep=key_id)
            audit.append(
                session,
                actor=actor,
                action="datakeys.rotate",
                target=key_id,
                before={"active": previous.id if previous else None},
                after={"active": key_id, "kek": self._provider.kek_id},
                reason=reason,
            )
            key = DataKey(key_id, raw, row.created_at)
        with self._lock:
            self._keys[key_id] = key
            self._active = key_id
            self._checked = self._clock()
        return key

    def seal(
        self, record_id: str, plaintext: bytes, *, key: DataKey | None = None
    ) -> tuple[str, bytes]:
        """``(key id, ciphertext)`` for ``plaintext`` stored under ``record_id``.

        Sealed with the active key unless ``key`` is given.
        """
        key = key or self.active()
        return key.id, _seal(key.key, plaintext, _aad(record_id, key.id))

    def open(self, record_id: str, key_id: str, sealed: bytes) -> bytes:
        """The plaintext ``seal`` produced for ``record_id`` with the key ``key_id``."""
        return _open(self.get(key_id).key, sealed, _aad(record_id, key_id))

    def _load_active(self) -> str:
        with self._store.transaction() as session:
            row = repo.active_data_key(session)
            if row is None:
                raw = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
                key_id = new_data_key_id()
                row = repo.add_data_key(
                    session,
                    key_id=key_id,
                    wrapped=self._provider.wrap(raw, key_id.encode()),
                    provider=self._provider.name,
                    kek_id=self._provider.kek_id,
                    active=True,
                )
                self._keys[key_id] = DataKey(key_id, raw, row.created_at)
                return key_id
            if row.id not in self._keys:
                self._remember(row)
            return row.id

    def _remember(self, row: repo.DataKeyRow) -> DataKey:
        if row.kek_id != self._provider.kek_id:
            raise DecryptionError(
                f"the data key {row.id} was wrapped by the KEK {row.kek_id}, but the configured "
                f"KEK is {self._provider.kek_id}; set data.kek to the key in use when it was made"
            )
        raw = self._provider.unwrap(row.wrapped, row.id.encode())
        key = DataKey(row.id, raw, row.created_at)
        self._keys[row.id] = key
        return key


@dataclass(frozen=True, slots=True)
class RewrapReport:
    """What ``rewrap`` did: records moved to the active key, per old key, and any that failed."""

    active: str
    moved: dict[str, int]
    failed: tuple[str, ...]

    @property
    def total(self) -> int:
        """Records re-encrypted."""
        return sum(self.moved.values())


def rewrap(store: Store, ring: DataKeyRing, *, actor: str, batch: int = 200) -> RewrapReport:
    """Re-encrypt every interaction sealed with an older key under the active key. Audited.

    Works in batches of ``batch`` records, walking ids in order so the run ends even when some
    records fail to open (they are reported, not retried). A record is replaced only while it is
    still under the key it was read with, so a concurrent erasure or rewrap is never undone.
    """
    key = ring.active()
    moved: dict[str, int] = {}
    failed: list[str] = []
    after = ""
    while True:
        with store.transaction() as session:
            rows = [
                (row.id, row.data_key_id, row.payload)
                for row in repo.sealed_with_other_keys(
                    session, active=key.id, after=after, limit=batch
                )
            ]
        sealed: list[tuple[str, str, bytes]] = []
        for record_id, old_key, payload in rows:
            try:
                plain = ring.open(record_id, old_key, payload)
            except DecryptionError:
                failed.append(record_id)
                continue
            sealed.append((record_id, old_key, ring.seal(record_id, plain, key=key)[1]))
        with store.transaction() as session:
            for record_id, old_key, payload in sealed:
                if repo.replace_payload(
                    session, record_id, expected_key=old_key, key_id=key.id, payload=payload
                ):
                    moved[old_key] = moved.get(old_key, 0) + 1
        if len(rows) < batch:
            break
        after = rows[-1][0]
    with store.transaction() as session:
        audit.append(
            session,
            actor=actor,
            action="datakeys.rewrap",
            target=key.id,
            after={"moved": moved, "failed": len(failed)},
        )
    return RewrapReport(key.id, moved, tuple(failed))
