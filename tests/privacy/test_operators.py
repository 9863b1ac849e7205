"""Operators: redact, mask, pseudonymize, encrypt and decrypt."""

from __future__ import annotations

import pytest

from lockgate.privacy import (
    DecryptionError,
    Encrypt,
    Entity,
    InvalidKeyError,
    Mask,
    OperatorPolicy,
    Pseudonymize,
    Redact,
    decrypt,
    decrypt_token,
    derive_key,
)

KEY = bytes(range(32))
EMAIL = Entity("EMAIL", 0, 16, 0.9)
CARD = Entity("CREDIT_CARD", 0, 16, 0.9)


def test_redact_writes_the_type() -> None:
    """``<EMAIL>`` replaces the value."""
    assert Redact().apply(EMAIL, "john@example.com") == "<EMAIL>"


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("4242424242424242", "************4242"),
        ("4242 4242 4242 4242", "**** **** **** 4242"),
        ("123-45-6789", "***-**-6789"),
        ("jo@ex.com", "**@**.***"),
        ("12", "12"),
    ],
)
def test_mask_keeps_last_four_digits_and_shape(value: str, masked: str) -> None:
    """Letters and digits are masked except the last four digits; separators stay."""
    assert Mask().apply(CARD, value) == masked


def test_pseudonym_is_stable_and_keyed() -> None:
    """Same key, tenant and value give the same pseudonym; any change gives another."""
    first = Pseudonymize(KEY, "acme").apply(EMAIL, "john@example.com")
    assert first == Pseudonymize(KEY, "acme").apply(EMAIL, "John@Example.com")
    assert first.startswith("<EMAIL_")
    assert len(first) == len("<EMAIL_>") + 6
    assert first != Pseudonymize(KEY, "globex").apply(EMAIL, "john@example.com")
    assert first != Pseudonymize(KEY[::-1], "acme").apply(EMAIL, "john@example.com")
    assert first != Pseudonymize(KEY, "acme").apply(EMAIL, "jane@example.com")


def test_pseudonym_ignores_digit_grouping() -> None:
    """A card typed with or without spaces maps to one pseudonym."""
    operator = Pseudonymize(KEY, "acme", length=12)
    assert operator.apply(CARD, "4242 4242 4242 4242") == operator.apply(CARD, "4242424242424242")


def test_short_hmac_key_is_refused() -> None:
    """Pseudonymization needs at least 16 bytes of key."""
    with pytest.raises(InvalidKeyError):
        Pseudonymize(b"short", "acme")


def test_encrypt_round_trips_and_is_randomized() -> None:
    """Two encryptions differ, both decrypt to the value."""
    operator = Encrypt(KEY)
    first, second = (
        operator.apply(EMAIL, "john@example.com"),
        operator.apply(EMAIL, "john@example.com"),
    )
    assert first != second
    assert first.startswith("<ENC:EMAIL:A")
    assert decrypt_token(first, KEY) == decrypt_token(second, KEY) == "john@example.com"


def test_decrypt_leaves_foreign_tokens_unless_strict() -> None:
    """Tokens from another key stay as they are, or raise when strict."""
    token = Encrypt(KEY).apply(EMAIL, "john@example.com")
    other = bytes(32)
    text = f"from {token}."
    assert decrypt(text, other) == text
    with pytest.raises(DecryptionError):
        decrypt(text, other, strict=True)


def test_tampered_or_retyped_token_does_not_decrypt() -> None:
    """The type is authenticated: moving a token to another type breaks it."""
    token = Encrypt(KEY).apply(EMAIL, "john@example.com")
    with pytest.raises(DecryptionError):
        decrypt_token(token.replace("<ENC:EMAIL:", "<ENC:PHONE:"), KEY)
    flipped = token[:-3] + ("B" if token[-3] != "B" else "C") + token[-2:]
    with pytest.raises(DecryptionError):
        decrypt_token(flipped, KEY)


def test_encryption_key_size_is_checked() -> None:
    """Only AES-128/192/256 keys are accepted."""
    with pytest.raises(InvalidKeyError):
        Encrypt(b"x" * 20)


def test_derived_keys_differ_per_purpose() -> None:
    """HKDF gives independent keys for pseudonyms and encryption."""
    secret = b"a long enough shared secret"
    assert derive_key(secret, "a") != derive_key(secret, "b")
    assert len(derive_key(secret, "a")) == 32
    with pytest.raises(InvalidKeyError):
        derive_key(b"short", "a")


def test_policy_picks_operator_per_type() -> None:
    """Listed types get their operator, others the default."""
    policy = OperatorPolicy(default=Redact(), by_type={"CREDIT_CARD": Mask()})
    assert isinstance(policy.for_type("CREDIT_CARD"), Mask)
    assert isinstance(policy.for_type("EMAIL"), Redact)
