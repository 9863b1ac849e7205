"""IP_ADDRESS detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import IpAddressDetector
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login from 203.0.113.42 failed", "203.0.113.42"),
        ("host 10.0.0.1.", "10.0.0.1"),
        ("v6 2001:db8::8a2e:370:7334 seen", "2001:db8::8a2e:370:7334"),
        ("link-local fe80::1 only", "fe80::1"),
        ("mapped ::ffff:192.0.2.128 ok", "::ffff:192.0.2.128"),
        ("full 2001:0db8:85a3:0000:0000:8a2e:0370:7334", "2001:0db8:85a3:0000:0000:8a2e:0370:7334"),
    ],
)
def test_finds_addresses(text: str, expected: str) -> None:
    """IPv4 and IPv6 addresses are found with exact offsets."""
    assert found(IpAddressDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "octet overflow 256.1.1.1",
        "leading zeros 01.02.03.04",
        "version 1.2.3",
        "meeting at 12:30:45",
        "mac 00:1A:2B:3C:4D:5E",
        "use std::vector here",
        "release 1.2.3.4 is out",
        "five parts 1.2.3.4.5",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """Out-of-range octets, versions, times, MACs and C++ scopes are not IPs."""
    assert found(IpAddressDetector(), text) == []
