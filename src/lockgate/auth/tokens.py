"""API key tokens: ``lk_<id>_<secret>``, shown once, stored only as a SHA-256 hash.

The secret has 238 bits of entropy, so a fast hash is safe (no password stretching is needed) and
verification stays in the microseconds the hot path can afford.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string
from dataclasses import dataclass

PREFIX = "lk"
ID_LENGTH = 12
SECRET_LENGTH = 40
_ALPHABET = string.ascii_letters + string.digits
TOKEN = re.compile(rf"^{PREFIX}_([0-9a-f]{{{ID_LENGTH}}})_([A-Za-z0-9]{{{SECRET_LENGTH}}})$")


@dataclass(frozen=True, slots=True)
class NewToken:
    """A freshly minted key: the full token is only ever in this object."""

    key_id: str
    token: str
    secret_hash: str


def mint() -> NewToken:
    """A new random key."""
    key_id = secrets.token_hex(ID_LENGTH // 2)
    secret = "".join(secrets.choice(_ALPHABET) for _ in range(SECRET_LENGTH))
    return NewToken(
        key_id=key_id, token=f"{PREFIX}_{key_id}_{secret}", secret_hash=hash_secret(secret)
    )


def split(token: str) -> tuple[str, str] | None:
    """``(key_id, secret)`` from a well-formed token, else None."""
    match = TOKEN.match(token)
    return (match.group(1), match.group(2)) if match else None


def hash_secret(secret: str) -> str:
    """Hex SHA-256 of the secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def matches(secret: str, secret_hash: str) -> bool:
    """Constant-time comparison of a presented secret with a stored hash."""
    return hmac.compare_digest(hash_secret(secret), secret_hash)
