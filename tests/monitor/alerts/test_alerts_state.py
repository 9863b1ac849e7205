"""The alert state machine: pending, firing after `for`, one notice per episode, silences."""

from __future__ import annotations

import datetime as dt

from alerts_support import NOW
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.monitor.alerts import AlertState, Notice, Status, step


def at(seconds: float) -> dt.datetime:
    return NOW + dt.timedelta(seconds=seconds)


def run(
    conditions: list[tuple[float, bool]], *, for_: float = 0, repeat: float = 3600
) -> list[tuple[Status, Notice | None]]:
    state = AlertState("rule")
    seen = []
    for seconds, breaching in conditions:
        result = step(state, breaching=breaching, now=at(seconds), for_=for_, repeat=repeat)
        state = result.state
        seen.append((state.status, result.notice))
    return seen


def test_fires_at_once_without_for() -> None:
    """With `for: 0` a breach fires and notifies on the first evaluation."""
    assert run([(0, True)]) == [(Status.FIRING, Notice.FIRING)]


def test_pending_until_for_has_elapsed() -> None:
    """With `for: 60s` the alert is pending at 0 and 30 s and fires at 60 s."""
    seen = run([(0, True), (30, True), (60, True)], for_=60)
    assert seen == [
        (Status.PENDING, None),
        (Status.PENDING, None),
        (Status.FIRING, Notice.FIRING),
    ]


def test_pending_clears_when_the_condition_stops() -> None:
    """A breach shorter than `for` never fires and never notifies."""
    seen = run([(0, True), (30, False), (60, True), (90, True)], for_=60)
    assert seen == [
        (Status.PENDING, None),
        (Status.INACTIVE, None),
        (Status.PENDING, None),
        (Status.PENDING, None),
    ]


def test_one_notice_per_episode_then_repeat_after_the_interval() -> None:
    """Still firing: silent until the repeat interval passes, then one repeat notice."""
    seen = run([(0, True), (600, True), (3599, True), (3600, True), (4000, True)], repeat=3600)
    assert [notice for _, notice in seen] == [Notice.FIRING, None, None, Notice.REPEAT, None]


def test_resolve_notice_and_new_episode() -> None:
    """Firing then clear sends a resolved notice; the next breach is a new episode."""
    state = AlertState("rule")
    first = step(state, breaching=True, now=at(0))
    resolved = step(first.state, breaching=False, now=at(30))
    assert (resolved.state.status, resolved.notice) == (Status.RESOLVED, Notice.RESOLVED)
    again = step(resolved.state, breaching=True, now=at(60))
    assert (again.notice, again.state.episode) == (Notice.FIRING, 2)
    assert first.state.episode == 1
    quiet = step(resolved.state, breaching=False, now=at(90))
    assert (quiet.state.status, quiet.notice, quiet.changed) == (Status.RESOLVED, None, False)


def test_silence_holds_notices_but_not_transitions() -> None:
    """Under a silence the alert still fires; the notice goes out when the silence is gone."""
    state = AlertState("rule")
    silenced = step(state, breaching=True, now=at(0), silenced=True)
    assert silenced.state.status is Status.FIRING
    assert (silenced.notice, silenced.suppressed) == (None, Notice.FIRING)
    still = step(silenced.state, breaching=True, now=at(60), silenced=True)
    assert (still.notice, still.suppressed, still.changed) == (None, Notice.FIRING, False)
    lifted = step(still.state, breaching=True, now=at(120))
    assert lifted.notice is Notice.FIRING


def test_silenced_episode_resolves_quietly() -> None:
    """An episode whose firing notice was never sent sends no resolved notice either."""
    fired = step(AlertState("rule"), breaching=True, now=at(0), silenced=True)
    resolved = step(fired.state, breaching=False, now=at(60), silenced=True)
    assert (resolved.state.status, resolved.notice) == (Status.RESOLVED, None)


def test_resolve_is_sent_even_under_a_silence() -> None:
    """Once a page went out, its resolution is always told, silence or not."""
    fired = step(AlertState("rule"), breaching=True, now=at(0))
    resolved = step(fired.state, breaching=False, now=at(60), silenced=True)
    assert resolved.notice is Notice.RESOLVED


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(1, 900), st.booleans(), st.booleans()), min_size=1, max_size=60),
    st.sampled_from([0, 60, 300]),
    st.sampled_from([600, 3600]),
)
def test_notice_invariants(moves: list[tuple[int, bool, bool]], for_: int, repeat: int) -> None:
    """Any sequence: one firing notice per episode at most, repeats spaced by the interval,
    a resolved notice only after a firing notice of the same episode, `for` always honoured."""
    state = AlertState("rule")
    clock = 0
    firing_notices: dict[int, int] = {}
    last_sent: float | None = None
    for gap, breaching, silenced in moves:
        clock += gap
        result = step(
            state, breaching=breaching, now=at(clock), for_=for_, repeat=repeat, silenced=silenced
        )
        new = result.state
        if new.status is Status.FIRING and state.status is not Status.FIRING:
            assert new.active_since is not None
            assert (at(clock) - new.active_since).total_seconds() >= for_
            last_sent = None
        if result.notice is Notice.FIRING:
            firing_notices[new.episode] = firing_notices.get(new.episode, 0) + 1
            assert firing_notices[new.episode] == 1
        if result.notice in {Notice.FIRING, Notice.REPEAT}:
            assert not silenced
            if last_sent is not None:
                assert clock - last_sent >= repeat
            last_sent = clock
        if result.notice is Notice.RESOLVED:
            assert firing_notices.get(state.episode, 0) == 1
        if result.notice is Notice.REPEAT:
            assert firing_notices.get(new.episode, 0) == 1
        state = new
