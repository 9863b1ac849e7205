"""Error budgets and multi-window, multi-burn-rate checks on synthetic event counts."""

from __future__ import annotations

import pytest

from lockgate.manifest.reliability import SLO, Severity
from lockgate.monitor.alerts import Events, burn_rate, burn_windows, evaluate_slo, format_duration
from lockgate.monitor.alerts.conditions import slo_condition
from lockgate.monitor.alerts.slo import windows_needed

DAY = 86400.0


def slo(objective: float = 99.0, window: float = 30 * DAY) -> SLO:
    return SLO(name="availability", sli="availability", objective=objective, window=window)


def counts(target: SLO, **error_ratios: float) -> dict[float, Events]:
    """10,000 events per window; windows named like ``w3600`` get the given error ratio."""
    found = {}
    for window in windows_needed(target):
        ratio = error_ratios.get(f"w{int(window)}", 0.0)
        found[window] = Events(good=round(10_000 * (1 - ratio)), total=10_000)
    return found


def test_workbook_windows_for_a_30_day_slo() -> None:
    """A 30-day SLO gets the workbook's pairs: 1h/5m 14.4x, 6h/30m 6x, 1d/2h 3x, 3d/6h 1x."""
    pairs = [(w.severity, w.long, w.short, w.factor) for w in burn_windows(30 * DAY)]
    assert pairs == [
        (Severity.PAGE, 3600, 300, 14.4),
        (Severity.PAGE, 21600, 1800, 6.0),
        (Severity.TICKET, 86400, 7200, 3.0),
        (Severity.TICKET, 259200, 21600, 1.0),
    ]


def test_windows_scale_with_the_slo_window_and_factors_stay() -> None:
    """A 28-day window scales every window by 28/30 (1h -> 56m) and keeps each burn factor."""
    scaled = burn_windows(28 * DAY)
    assert [format_duration(w.long) for w in scaled] == ["56m", "5h36m", "22h24m", "2d19h12m"]
    assert [format_duration(w.short) for w in scaled] == ["4m40s", "28m", "1h52m", "5h36m"]
    assert [w.factor for w in scaled] == [14.4, 6.0, 3.0, 1.0]
    spent = [w.factor * w.long / (28 * DAY) for w in scaled]  # budget share spent when it fires
    assert spent == pytest.approx([0.02, 0.05, 0.1, 0.1])


def test_burn_rate_is_error_ratio_over_budget() -> None:
    """2% errors against a 99% objective burns the budget at 2x; no events is no rate."""
    assert burn_rate(Events(98, 100), 99.0) == pytest.approx(2.0)
    assert burn_rate(Events(0, 0), 99.0) is None


def test_page_needs_both_windows_of_a_pair() -> None:
    """A spike seen only in the short window, or only in the long one, does not page."""
    target = slo()
    only_short = evaluate_slo(target, counts(target, w300=0.5))
    assert not only_short.firing(Severity.PAGE)
    only_long = evaluate_slo(target, counts(target, w3600=0.5))
    assert not only_long.firing(Severity.PAGE)
    both = evaluate_slo(target, counts(target, w3600=0.15, w300=0.15))
    fired = both.firing(Severity.PAGE)
    assert [(c.window.long, c.window.short) for c in fired] == [(3600, 300)]
    assert fired[0].long_rate == pytest.approx(15.0)


def test_page_threshold_is_strictly_above_the_factor() -> None:
    """14.4% errors on a 99% SLO is exactly 14.4x: not above it, so no page; 14.5% pages."""
    target = slo()
    at_factor = evaluate_slo(target, counts(target, w3600=0.144, w300=0.144))
    assert not at_factor.firing(Severity.PAGE)
    above = evaluate_slo(target, counts(target, w3600=0.145, w300=0.145))
    assert above.firing(Severity.PAGE)


def test_slow_burn_opens_a_ticket_not_a_page() -> None:
    """4% errors over a day and two hours (4x) is a ticket; the page windows stay quiet."""
    target = slo()
    report = evaluate_slo(target, counts(target, w86400=0.04, w7200=0.04))
    assert not report.firing(Severity.PAGE)
    assert [c.window.long for c in report.firing(Severity.TICKET)] == [86400]


def test_budget_remaining_over_the_slo_window() -> None:
    """0.25% errors over 30 days on a 99.5% objective leaves half of the budget."""
    target = slo(objective=99.5)
    events = counts(target)
    events[30 * DAY] = Events(good=99_750, total=100_000)
    report = evaluate_slo(target, events)
    assert report.budget_remaining == pytest.approx(0.5)
    events[30 * DAY] = Events(good=98_000, total=100_000)
    assert evaluate_slo(target, events).budget_remaining == pytest.approx(-3.0)


def test_no_data_is_reported_not_invented() -> None:
    """Without events the budget is None with a reason, and nothing fires."""
    target = slo()
    empty = {w: Events(0, 0, "no quality feedback is recorded yet") for w in windows_needed(target)}
    report = evaluate_slo(target, empty)
    assert report.budget_remaining is None
    assert report.reason == "no quality feedback is recorded yet"
    condition = slo_condition(report, Severity.PAGE)
    assert not condition.breaching
    assert condition.value is None
    assert "no data" in condition.summary


def test_missing_window_is_an_error() -> None:
    """Evaluating with a window's events missing raises instead of guessing."""
    target = slo()
    events = counts(target)
    del events[300]
    with pytest.raises(ValueError, match="events missing"):
        evaluate_slo(target, events)


def test_firing_condition_names_the_rates() -> None:
    """The summary of a firing burn alert carries both rates, the factor and the budget left."""
    target = slo()
    report = evaluate_slo(target, counts(target, w3600=0.2, w300=0.3))
    condition = slo_condition(report, Severity.PAGE)
    assert condition.breaching
    assert condition.value == pytest.approx(20.0)
    assert "20.0x over 1h" in condition.summary
    assert "30.0x over 5m" in condition.summary
    assert "14.4x" in condition.summary


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0s"), (59, "59s"), (60, "1m"), (280, "4m40s"), (3600, "1h"), (90061, "1d1h1m1s")],
)
def test_format_duration(seconds: float, text: str) -> None:
    """Durations print in Prometheus form with the largest units first."""
    assert format_duration(seconds) == text
