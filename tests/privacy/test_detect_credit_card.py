"""CREDIT_CARD detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import CreditCardDetector
from lockgate.privacy.detectors.credit_card import known_issuer, luhn_valid
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("card 4242424242424242 was charged", "4242424242424242"),
        ("visa 4111 1111 1111 1111.", "4111 1111 1111 1111"),
        ("mc 5555-5555-5555-4444", "5555-5555-5555-4444"),
        ("amex 3782 822463 10005", "3782 822463 10005"),
        ("2-series 2221000000000009", "2221000000000009"),
        ("discover 6011111111111117 ok", "6011111111111117"),
    ],
)
def test_finds_cards(text: str, expected: str) -> None:
    """Luhn-valid numbers of known networks are found, grouped or not."""
    assert found(CreditCardDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112",
        "ref 1234567812345678",
        "id 9999999999999995",
        "tracking 9400 1000 0000 0000 0000 00",
        "4111111111111111a",
        "phone 415-555-2671",
        "order 123456789",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """Luhn failures, unknown prefixes and longer digit runs are not cards."""
    assert found(CreditCardDetector(), text) == []


def test_luhn_and_issuer_checks() -> None:
    """The two checks agree with known test numbers."""
    assert luhn_valid("79927398713")
    assert not luhn_valid("79927398710")
    assert known_issuer("4111111111111111")
    assert not known_issuer("411111111111111")  # Visa is never 15 digits
    assert not known_issuer("9111111111111111")
