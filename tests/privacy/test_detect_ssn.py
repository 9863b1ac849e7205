"""US_SSN detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import SsnDetector
from lockgate.privacy.detectors.ssn import ssn_valid
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my SSN is 123-45-6789.", "123-45-6789"),
        ("ssn: 078-05-1121", "078-05-1121"),
        ("social security 123456789", "123456789"),
        ("SSN 123 45 6789 thanks", "123 45 6789"),
        ("applicant 665-01-0001", "665-01-0001"),
    ],
)
def test_finds_ssns(text: str, expected: str) -> None:
    """Hyphenated numbers alone, and weaker shapes next to a context word."""
    assert found(SsnDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ssn 000-12-3456",
        "ssn 666-12-3456",
        "ssn 912-34-5678",
        "ssn 123-00-4567",
        "ssn 123-45-0000",
        "order 123456789 shipped",
        "ref 123 45 6789",
        "call 123-45-6789-0",
        "part 123-45-67890",
    ],
)
def test_ignores_invalid_and_unlabelled(text: str) -> None:
    """Never-issued ranges and bare nine-digit numbers are not reported."""
    assert found(SsnDetector(), text) == []


def test_range_rules() -> None:
    """Area 000/666/9xx, group 00 and serial 0000 are invalid."""
    assert ssn_valid("123", "45", "6789")
    assert not ssn_valid("000", "45", "6789")
    assert not ssn_valid("666", "45", "6789")
    assert not ssn_valid("900", "45", "6789")
    assert not ssn_valid("123", "00", "6789")
    assert not ssn_valid("123", "45", "0000")
