"""Operators replace a detected value: redact, mask, pseudonymize (encrypt lives in ``crypto``)."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lockgate.privacy.entity import Entity
from lockgate.privacy.errors import InvalidKeyError
from lockgate.privacy.protocols import Operator

MIN_HMAC_KEY_BYTES = 16
_DIGIT_SEPARATORS = re.compile(r"[\s\-().]")
_DIGIT_TYPES = frozenset({"PHONE", "CREDIT_CARD", "US_SSN", "IBAN"})


@dataclass(frozen=True, slots=True)
class Redact:
    """``<EMAIL>``: the entity type only."""

    def apply(self, entity: Entity, value: str) -> str:  # noqa: ARG002 - the value is dropped
        """The type in angle brackets."""
        return f"<{entity.type}>"


@dataclass(frozen=True, slots=True)
class Mask:
    """``************4242``: every letter and digit masked except the last ``keep`` digits.

    Separators (spaces, hyphens, dots, ``@``) stay, so the shape of the value is still readable.
    """

    keep: int = 4
    char: str = "*"

    def __post_init__(self) -> None:
        if self.keep < 0 or len(self.char) != 1 or self.char.isalnum():
            raise ValueError("mask needs keep >= 0 and one non-alphanumeric mask character")

    def apply(self, entity: Entity, value: str) -> str:  # noqa: ARG002 - only the value matters
        """The masked value."""
        digits_seen = 0
        total_digits = sum(char.isdigit() for char in value)
        out: list[str] = []
        for char in value:
            if char.isdigit():
                digits_seen += 1
                out.append(char if digits_seen > total_digits - self.keep else self.char)
            elif char.isalnum():
                out.append(self.char)
            else:
                out.append(char)
        return "".join(out)


def normalize_for_pseudonym(entity_type: str, value: str) -> str:
    """The same person's value in another format maps to the same pseudonym."""
    if entity_type == "EMAIL":
        return value.strip().casefold()
    if entity_type in _DIGIT_TYPES:
        return _DIGIT_SEPARATORS.sub("", value).upper()
    return value


@dataclass(frozen=True, slots=True)
class Pseudonymize:
    """``<EMAIL_3fa2c1>``: a keyed HMAC-SHA256 of tenant, type and value, stable across calls.

    Different tenants get different pseudonyms for the same value; without the key a pseudonym
    cannot be linked back to its value.
    """

    key: bytes = field(repr=False)
    tenant: str = "default"
    length: int = 6

    def __post_init__(self) -> None:
        if len(self.key) < MIN_HMAC_KEY_BYTES:
            raise InvalidKeyError(
                f"the pseudonymization key must have at least {MIN_HMAC_KEY_BYTES} bytes"
            )
        if not 4 <= self.length <= 64:
            raise ValueError("pseudonym length must be between 4 and 64 hex characters")

    def digest(self, entity_type: str, value: str) -> str:
        """The full hex HMAC of one value."""
        message = "\x00".join(
            (self.tenant, entity_type, normalize_for_pseudonym(entity_type, value))
        )
        return hmac.new(self.key, message.encode(), hashlib.sha256).hexdigest()

    def apply(self, entity: Entity, value: str) -> str:
        """The type and the first ``length`` hex characters of the HMAC."""
        return f"<{entity.type}_{self.digest(entity.type, value)[: self.length]}>"


@dataclass(frozen=True, slots=True)
class OperatorPolicy:
    """Which operator handles which entity type; ``default`` for every type not listed."""

    default: Operator = field(default_factory=Redact)
    by_type: Mapping[str, Operator] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_type", MappingProxyType(dict(self.by_type)))

    def for_type(self, entity_type: str) -> Operator:
        """The operator for ``entity_type``."""
        return self.by_type.get(entity_type, self.default)
