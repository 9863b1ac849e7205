"""Formatting: shares, latencies, rates and ages, with a dash where nothing was measured."""

from __future__ import annotations

import datetime as dt

import pytest

from lockgate.dashboard.pages import NONE, ago, millis, percent, rate

NOW = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0.4, "just now"),
        (-3, "just now"),
        (42, "42 s ago"),
        (3_700, "1 h ago"),
        (200_000, "2 d ago"),
    ],
)
def test_ages_read_in_the_largest_whole_unit(seconds: float, text: str) -> None:
    """Ages are whole units; a clock slightly ahead reads as just now."""
    assert ago(NOW - dt.timedelta(seconds=seconds), NOW) == text
    assert ago(None, NOW) == "never"


def test_missing_values_are_a_dash_and_zero_is_zero() -> None:
    """No measurement is not zero: it shows as a dash."""
    assert {percent(None), millis(None), rate(None)} == {NONE}
    assert (percent(0.0), rate(0.0)) == ("0 %", "0/s")
    assert (percent(0.1234), millis(12_500.0), millis(87.25)) == ("12.3 %", "12.5 s", "87.2 ms")
