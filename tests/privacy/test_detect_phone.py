"""PHONE detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import PhoneDetector
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at (415) 555-2671 please", "(415) 555-2671"),
        ("my cell is 212-456-7890.", "212-456-7890"),
        ("mobile: +1 646 555 0134", "+1 646 555 0134"),
        ("reach me on 415.867.5309 tonight", "415.867.5309"),
        ("UK office +44 20 7946 0958", "+44 20 7946 0958"),
        ("Berlin: +49 30 901820", "+49 30 901820"),
        ("Paris +33 1 42 68 53 00, thanks", "+33 1 42 68 53 00"),
        ("whatsapp +91 98765 43210", "+91 98765 43210"),
        ("from 10.0.0.1 415-555-2671", "415-555-2671"),
        ("on 2024-01-15 call 303-555-0134", "303-555-0134"),
    ],
)
def test_finds_numbers(text: str, expected: str) -> None:
    """National and international formats are found with exact offsets."""
    assert found(PhoneDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "server 192.168.100.200 is down",
        "ssn 123-45-6789",
        "born 1985-07-23",
        "due 15/01/2024 or 01.02.2024",
        "order 123456789 shipped",
        "upgrade to 2.14.10 then 10.15.7",
        "total $1,299.99 or 4155552671.50",
        "tracking 9400 1000 0000 0000 0000 00",
        "UPS 1Z999AA10123456784",
        "card 4111 1111 1111 1111",
        "order number 4155552671",
        "invoice INV-2024-000123",
        "pi is 3.14159265358979",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """IPs, SSNs, dates, orders, versions, prices and tracking numbers are not phones."""
    assert found(PhoneDetector(), text) == []


def test_national_format_needs_its_region() -> None:
    """A UK national number is only valid when GB is a default region."""
    text = "ring 020 7946 0958"
    assert found(PhoneDetector(), text) == []
    assert found(PhoneDetector(regions=("US", "GB")), text) == ["020 7946 0958"]


def test_context_words_move_the_score() -> None:
    """ "call me" raises the score; "order" lowers it below the default threshold."""
    detector = PhoneDetector()
    plain = next(detector.detect("415-555-2671"))
    called = next(detector.detect("call me 415-555-2671"))
    ordered = next(detector.detect("order 415-555-2671"))
    assert ordered.score < 0.5 < plain.score < called.score


def test_unknown_region_is_rejected() -> None:
    """A typo in the region list fails at construction, not silently at detection."""
    with pytest.raises(ValueError, match="unknown phone regions"):
        PhoneDetector(regions=("XX",))
