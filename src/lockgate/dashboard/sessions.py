"""Signed, time-limited session tokens and the CSRF tokens bound to them (pure, no I/O).

A session token names the signed-in key by id (never its secret), when it was issued and a random
nonce: ``<payload>.<signature>``, both base64url, the signature an HMAC-SHA256 of the payload under
a secret that only this dashboard holds. Tokens older than ``max_age`` are refused. The CSRF token
of a session is an HMAC of its nonce, so it is valid for that session only.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from dataclasses import dataclass

import orjson

NONCE_BYTES = 16
MIN_SECRET_BYTES = 32
SIGNED_OUT_LIMIT = 10_000


@dataclass(frozen=True, slots=True)
class SessionData:
    """What a valid session token says."""

    key_id: str
    issued_at: float
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionCodec:
    """Issues and reads session tokens under one secret."""

    def __init__(self, secret: bytes, *, max_age: float) -> None:
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(f"a session secret needs at least {MIN_SECRET_BYTES} random bytes")
        if max_age <= 0:
            raise ValueError("max_age must be positive")
        self._secret = secret
        self.max_age = max_age

    def _sign(self, purpose: bytes, payload: bytes) -> bytes:
        return hmac.new(self._secret, purpose + b"|" + payload, hashlib.sha256).digest()

    def issue(self, key_id: str, now: float) -> str:
        """A new token for ``key_id`` issued at ``now`` (seconds since the epoch)."""
        payload = orjson.dumps({"k": key_id, "i": now, "n": secrets.token_hex(NONCE_BYTES)})
        return f"{_b64(payload)}.{_b64(self._sign(b'session', payload))}"

    def read(self, token: str, now: float) -> SessionData | None:
        """The session ``token`` carries, or None if it is forged, malformed or expired."""
        encoded, dot, signature = token.partition(".")
        if not dot:
            return None
        try:
            payload, mac = _unb64(encoded), _unb64(signature)
        except (binascii.Error, ValueError):
            return None
        if not hmac.compare_digest(mac, self._sign(b"session", payload)):
            return None
        try:
            data = orjson.loads(payload)
            session = SessionData(str(data["k"]), float(data["i"]), str(data["n"]))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None
        if not 0 <= now - session.issued_at <= self.max_age:
            return None
        return session

    def csrf(self, session: SessionData) -> str:
        """The CSRF token of ``session``: forms carry it, posts must return it."""
        return _b64(self._sign(b"csrf", session.nonce.encode()))

    def csrf_ok(self, session: SessionData, presented: str | None) -> bool:
        """True when ``presented`` is ``session``'s CSRF token (compared in constant time)."""
        return presented is not None and hmac.compare_digest(
            presented.encode(), self.csrf(session).encode()
        )


class SignedOut:
    """Nonces of sessions signed out before they expired, forgotten once they would expire."""

    def __init__(self, *, limit: int = SIGNED_OUT_LIMIT) -> None:
        self._until: dict[str, float] = {}
        self._limit = limit

    def add(self, nonce: str, until: float, now: float) -> None:
        """Refuse ``nonce`` until ``until``."""
        if len(self._until) >= self._limit:
            self._until = {n: t for n, t in self._until.items() if t > now}
        if len(self._until) >= self._limit:  # still full of live sessions: drop the oldest
            oldest = min(self._until, key=self._until.__getitem__)
            del self._until[oldest]
        self._until[nonce] = until

    def refused(self, nonce: str, now: float) -> bool:
        """True when ``nonce``'s session was signed out and would still be valid."""
        until = self._until.get(nonce)
        return until is not None and until > now
