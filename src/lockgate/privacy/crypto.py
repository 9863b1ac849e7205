"""Reversible encryption of detected values: ``<ENC:EMAIL:...>`` tokens and their decryption.

A token holds base64url(version byte 0x01, 12-byte nonce, AES-GCM ciphertext and tag); the
entity type is bound as associated data, so a token moved to another type does not decrypt.
The version byte makes every payload start with ``A``, so no token ever looks like a key prefix
to the credential detector. Keys are always passed in; nothing is kept between calls.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from lockgate.privacy.entity import Entity
from lockgate.privacy.errors import DecryptionError, InvalidKeyError

AES_KEY_SIZES = frozenset({16, 24, 32})
NONCE_BYTES = 12
MIN_SECRET_BYTES = 16
_VERSION = b"\x01"
TOKEN = re.compile(r"<ENC:([A-Za-z0-9_]+):(A[A-Za-z0-9_\-]+)>")


def derive_key(secret: bytes, purpose: str, size: int = 32) -> bytes:
    """A key for one ``purpose`` (``"encrypt"``, ...) from a longer-lived secret, by HKDF-SHA256."""
    if len(secret) < MIN_SECRET_BYTES:
        raise InvalidKeyError(f"the secret must have at least {MIN_SECRET_BYTES} bytes")
    hkdf = HKDF(algorithm=hashes.SHA256(), length=size, salt=None, info=purpose.encode())
    return hkdf.derive(secret)


def _cipher(key: bytes) -> AESGCM:
    if len(key) not in AES_KEY_SIZES:
        raise InvalidKeyError("the encryption key must be 16, 24 or 32 bytes (AES-128/192/256)")
    return AESGCM(key)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class Encrypt:
    """``<ENC:EMAIL:AQ...>``: AES-GCM encryption that ``decrypt`` reverses exactly."""

    key: bytes = field(repr=False)
    nonce: Callable[[int], bytes] = field(default=os.urandom, repr=False, compare=False)

    def __post_init__(self) -> None:
        _cipher(self.key)

    def apply(self, entity: Entity, value: str) -> str:
        """The token for ``value``."""
        nonce = self.nonce(NONCE_BYTES)
        sealed = _cipher(self.key).encrypt(nonce, value.encode(), entity.type.encode())
        return f"<ENC:{entity.type}:{_b64encode(_VERSION + nonce + sealed)}>"


def decrypt_token(token: str, key: bytes) -> str:
    """The plaintext of one ``<ENC:TYPE:...>`` token; ``DecryptionError`` if it does not open."""
    match = TOKEN.fullmatch(token)
    if match is None:
        raise DecryptionError("not an <ENC:TYPE:payload> token")
    entity_type, payload = match.groups()
    try:
        raw = _b64decode(payload)
    except (binascii.Error, ValueError) as error:
        raise DecryptionError("the token payload is not base64url") from error
    if len(raw) <= 1 + NONCE_BYTES or raw[:1] != _VERSION:
        raise DecryptionError("the token payload is truncated or of an unknown version")
    nonce, sealed = raw[1 : 1 + NONCE_BYTES], raw[1 + NONCE_BYTES :]
    try:
        plain = _cipher(key).decrypt(nonce, sealed, entity_type.encode())
    except InvalidTag as error:
        raise DecryptionError("the token was altered or encrypted with another key") from error
    return plain.decode()


def decrypt(text: str, key: bytes, *, strict: bool = False) -> str:
    """``text`` with every ``<ENC:...>`` token replaced by its plaintext.

    Tokens that do not open with ``key`` stay as they are, unless ``strict`` is set, in which
    case the first one raises ``DecryptionError``.
    """
    _cipher(key)

    def replace(match: re.Match[str]) -> str:
        try:
            return decrypt_token(match.group(), key)
        except DecryptionError:
            if strict:
                raise
            return match.group()

    return TOKEN.sub(replace, text)
