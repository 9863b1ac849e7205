"""The pure judgement: runs of answers in send order, settling, shares and target checks."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lockgate.drills import Sample, Step, Targets, Timings
from lockgate.drills.judge import (
    Settler,
    StreakTracker,
    check,
    first_arrival,
    first_streak,
    settled,
    share,
    verdict,
)


def ok(sent: float, done: float | None = None, *, fallback: str | None = None) -> Sample:
    return Sample(sent, sent + 0.01 if done is None else done, 200, "v1", fallback)


def bad(sent: float, done: float | None = None) -> Sample:
    return Sample(sent, sent + 0.01 if done is None else done, 503, error="upstream_unavailable")


def test_streak_starts_at_the_first_answer_of_the_first_complete_run() -> None:
    """A failure breaks a run; the moment is the arrival of the run's first answer."""
    samples = [ok(0), bad(1), ok(2, 2.5), ok(3), bad(4), ok(5, 5.2), ok(6), ok(7)]
    found = first_streak(samples, lambda s: s.ok, after=0, horizon=10, streak=3)
    assert found is not None and found.sent == 5 and found.done == 5.2


def test_streak_uses_send_order_not_arrival_order() -> None:
    """A slow failure sent in the middle of a run breaks it even though it arrived last."""
    samples = [ok(1), ok(3), bad(2, done=9.0), ok(4), ok(5)]
    found = first_streak(samples, lambda s: s.ok, after=0, horizon=10, streak=3)
    assert found is not None and found.sent == 3


def test_streak_ignores_answers_before_after_and_beyond_the_horizon() -> None:
    """Only answers sent in [after, horizon) count."""
    samples = [ok(0), ok(1), ok(2), ok(3), ok(4)]
    assert first_streak(samples, lambda s: s.ok, after=2, horizon=4, streak=3) is None
    found = first_streak(samples, lambda s: s.ok, after=2, horizon=5, streak=3)
    assert found is not None and found.sent == 2


def test_streak_needs_at_least_one_answer() -> None:
    """A zero-length streak is a programming error."""
    with pytest.raises(ValueError, match="at least one"):
        StreakTracker(lambda s: s.ok, streak=0, after=0)


def test_settler_hands_out_each_answer_once_in_send_order() -> None:
    """Answers still behind the horizon wait; later calls release them in order."""
    settler, samples = Settler(), [ok(2), ok(1)]
    assert [s.sent for s in settler.take(samples, horizon=1.5)] == [1]
    samples += [ok(1.8, done=3), ok(3)]
    assert [s.sent for s in settler.take(samples, horizon=2.5)] == [1.8, 2]
    assert [s.sent for s in settler.take(samples, horizon=10)] == [3]


@given(
    st.lists(
        st.tuples(st.floats(0, 100), st.floats(0, 5), st.booleans()),
        max_size=40,
        unique_by=lambda t: t[0],
    ),
    st.integers(1, 5),
    st.floats(0, 100),
)
def test_incremental_settling_finds_the_same_streak_as_a_full_scan(
    raw: list[tuple[float, float, bool]], streak: int, after: float
) -> None:
    """Feeding settled answers poll by poll equals a full scan (send times are distinct)."""
    samples = [
        Sample(sent, sent + wait, 200 if good else 500)
        for sent, wait, good in raw
        if math.isfinite(sent)
    ]
    expected = first_streak(samples, lambda s: s.ok, after=after, horizon=math.inf, streak=streak)
    tracker, settler, arrived = (
        StreakTracker(lambda s: s.ok, streak=streak, after=after),
        Settler(),
        [],
    )
    for sample in sorted(samples, key=lambda s: s.done):
        arrived.append(sample)
        in_flight = [s.sent for s in samples if s.done > sample.done]
        tracker.feed(settler.take(arrived, min(in_flight, default=math.inf)))
    tracker.feed(settler.take(arrived, math.inf))
    assert tracker.start == expected


def test_first_arrival_and_share() -> None:
    """The earliest arrival wins; shares count answers sent in the window."""
    samples = [ok(1, 5, fallback="static"), ok(2, 3, fallback="static"), ok(3)]
    first = first_arrival(samples, lambda s: s.fallback is not None, after=0)
    assert first is not None and first.sent == 2
    assert first_arrival(samples, lambda s: s.fallback is not None, after=2.5) is None
    assert share(samples, lambda s: s.fallback is not None, start=0, end=10) == pytest.approx(2 / 3)
    assert share(samples, lambda s: s.ok, start=20, end=30) is None
    assert [s.sent for s in settled(samples, after=1.5, horizon=3)] == [2]


def test_check_against_targets() -> None:
    """Within target passes; over target or unseen fails; no target never fails."""
    assert check(Step.DETECT, 1.0, 2.0, 4.0).passed
    late = check(Step.DETECT, 3.0, 2.0, 4.0)
    assert not late.passed and late.note == "took 3s > 2s"
    unseen = check(Step.RECOVER, None, 2.0, 4.0)
    assert not unseen.passed and unseen.note == "not observed within 4s"
    assert check(Step.MITIGATE, None, None, 4.0).passed


def test_verdict_covers_only_the_scenarios_steps() -> None:
    """A step the scenario does not time is not checked."""
    timings = Timings(detect=1.0, mitigate=None, recover=9.0)
    targets = Targets(detect=2.0, mitigate=5.0, recover=5.0)
    checks, passed = verdict(timings, targets, {}, steps=(Step.DETECT, Step.RECOVER))
    assert [c.step for c in checks] == [Step.DETECT, Step.RECOVER] and not passed
    checks, passed = verdict(Timings(1.0, 2.0, 3.0), targets, {})
    assert passed and len(checks) == 3
