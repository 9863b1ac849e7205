"""IBAN detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import IbanDetector
from lockgate.privacy.detectors.iban import iban_valid
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("IBAN DE89 3704 0044 0532 0130 00 please", "DE89 3704 0044 0532 0130 00"),
        ("to DE89370400440532013000 today", "DE89370400440532013000"),
        ("GB82 WEST 1234 5698 7654 32 Thanks", "GB82 WEST 1234 5698 7654 32"),
        ("refund GB82WEST12345698765432.", "GB82WEST12345698765432"),
        ("NL91 ABNA 0417 1643 00 and more", "NL91 ABNA 0417 1643 00"),
        ("fr: FR14 2004 1010 0505 0001 3M02 606 merci", "FR14 2004 1010 0505 0001 3M02 606"),
        ("lower case de89 3704 0044 0532 0130 00 ok", "de89 3704 0044 0532 0130 00"),
    ],
)
def test_finds_ibans(text: str, expected: str) -> None:
    """Compact and grouped IBANs are found, and a following word is not swallowed."""
    assert found(IbanDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 01",
        "DE89 3704 0044 0532 0130",
        "DE89370400440532013000123",
        "XX89 3704 0044 0532 0130 00",
        "model AB12 of the router",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """Wrong checksum, wrong length, unknown country and short codes are not IBANs."""
    assert found(IbanDetector(), text) == []


def test_iban_valid_checks_length_and_checksum() -> None:
    """Validation needs the country's exact length and mod 97 == 1."""
    assert iban_valid("DE89370400440532013000")
    assert not iban_valid("DE8937040044053201300")
    assert not iban_valid("DE88370400440532013000")
