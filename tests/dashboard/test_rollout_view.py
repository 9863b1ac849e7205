"""The rollout panel's data: verdicts read defensively and repeated decisions collapsed."""

from __future__ import annotations

import datetime as dt

from lockgate.dashboard.rollout_view import EventLine, collapse, verdict_of

AT = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)


def line(kind: str, message: str) -> EventLine:
    return EventLine(AT, "canary", kind, message, "controller")


def test_runs_of_one_kind_become_one_line_with_the_newest_message() -> None:
    """Eight extensions in a row read as one line, x8, showing the newest reason."""
    events = [line("extended", f"try {n}") for n in range(8, 0, -1)]
    events += [line("advanced", "step 1 passed"), line("started", "go")]
    shown = collapse(events)
    assert [(e.kind, e.repeats, e.message) for e in shown] == [
        ("extended", 8, "try 8"),
        ("advanced", 1, "step 1 passed"),
        ("started", 1, "go"),
    ]
    assert len(collapse([line(kind, "") for kind in "abcdefgh"], keep=5)) == 5


def test_verdicts_with_odd_fields_become_gaps_not_errors() -> None:
    """Missing or mistyped numbers read as None or 0; a missing verdict is None."""
    verdict = verdict_of(
        {
            "status": "fail",
            "code": "harm",
            "metrics": [
                {"metric": "error_rate", "baseline_value": "x", "samples": True},
                "not a metric",
                {"metric": "latency_p95", "candidate_value": 420, "samples": 80},
            ],
        }
    )
    assert verdict is not None and verdict.status == "fail" and verdict.elapsed_s is None
    first, second = verdict.metrics
    assert (first.baseline, first.samples, first.status) == (None, 0, "?")
    assert (second.candidate, second.samples) == (420.0, 80)
    assert verdict_of(None) is None and verdict_of({}) is None
