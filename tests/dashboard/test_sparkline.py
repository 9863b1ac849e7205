"""Sparkline geometry: scaled from zero to the peak, gaps where a minute had no value."""

from __future__ import annotations

import pytest

from lockgate.dashboard.sparkline import PAD, sparkline


def _points(segment: str) -> list[tuple[float, float]]:
    return [(float(x), float(y)) for x, y in (pair.split(",") for pair in segment.split())]


def test_values_map_to_the_box_with_the_peak_at_the_top_and_zero_at_the_bottom() -> None:
    """The highest value touches the top padding, zero the bottom, x steps evenly."""
    line = sparkline([0.0, 5.0, 10.0], width=100, height=20)
    (segment,) = line.segments
    points = _points(segment)
    assert [x for x, _ in points] == pytest.approx([PAD, 50.0, 100 - PAD])
    assert [y for _, y in points] == pytest.approx([20 - PAD, 10.0, PAD])
    assert line.top == 10.0
    assert line.count == 3


def test_minutes_without_values_break_the_line() -> None:
    """None splits the series; a lone value between gaps is drawn as a dot."""
    line = sparkline([1.0, 2.0, None, 3.0, None, 4.0, 5.0])
    assert len(line.segments) == 2
    assert len(line.dots) == 1
    assert [len(_points(segment)) for segment in line.segments] == [2, 2]


def test_an_all_zero_series_is_a_flat_line_at_the_bottom() -> None:
    """Zero traffic is drawn as zero, not scaled up to fill the box."""
    line = sparkline([0.0, 0.0, 0.0], height=24)
    assert {y for _, y in _points(line.segments[0])} == {24 - PAD}


def test_a_series_without_values_is_empty() -> None:
    """No value in any minute: nothing to draw."""
    line = sparkline([None, None])
    assert line.empty
    assert not sparkline([None, 1.0]).empty
