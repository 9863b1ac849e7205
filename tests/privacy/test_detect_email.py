"""EMAIL detector."""

from __future__ import annotations

import pytest

from lockgate.privacy.detectors import EmailDetector
from tests.privacy.helpers import found


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("write to john.doe@example.com today", "john.doe@example.com"),
        ("<maria_garcia+tag@mail.example.co.uk>", "maria_garcia+tag@mail.example.co.uk"),
        ("mail: J.SMITH99@Example.ORG.", "J.SMITH99@Example.ORG"),
        ("(a@b.io)", "a@b.io"),
    ],
)
def test_finds_addresses(text: str, expected: str) -> None:
    """Common address shapes are found with exact offsets."""
    assert found(EmailDetector(), text) == [expected]


@pytest.mark.parametrize(
    "text",
    [
        "ping @support on slack",
        "user@localhost is not routable",
        "john..doe@example.com has a double dot",
        "version 1.2@3.4",
        "a@b.c1",
        "email at example dot com",
    ],
)
def test_ignores_look_alikes(text: str) -> None:
    """Mentions, single-label domains and malformed addresses are not reported."""
    assert found(EmailDetector(), text) == []


def test_prefilter_skips_text_without_at_sign() -> None:
    """Text without ``@`` never reaches the full pattern."""
    assert EmailDetector().prefilter.search("no address here") is None
