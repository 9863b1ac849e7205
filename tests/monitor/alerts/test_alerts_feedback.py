"""Quality for alerts from stored feedback, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from alerts_support import insert, request_rows

from lockgate.manifest.reliability import SLO
from lockgate.monitor.alerts import Scope, quality_events, quality_score
from lockgate.store.db import Store
from lockgate.store.tables import Feedback

SERVICE = "support-assistant"


def answers(store: Store, now: dt.datetime) -> None:
    """Six answers by key k1 (v1: a..c, v2: d..f), each with the label `billing`."""
    rows = []
    for version, ids in (("v1", "abc"), ("v2", "def")):
        for rid in ids:
            [row] = request_rows(1, at=now - dt.timedelta(seconds=30), version=version)
            row.update(request_id=rid, key_id="k1", label="billing")
            rows.append(row)
    insert(store, rows)


def feedback(store: Store, now: dt.datetime, *items: dict[str, Any]) -> None:
    with store.transaction() as session:
        session.add_all(
            Feedback(at=now - dt.timedelta(seconds=10), key_id=item.pop("key_id", "k1"), **item)
            for item in items
        )


def test_quality_events_judge_labels_thumbs_and_scores(store: Store) -> None:
    """Labels match or not, thumbs are up or down, scores reach min_score or not."""
    now = dt.datetime.now(dt.UTC)
    answers(store, now)
    feedback(
        store,
        now,
        {"request_id": "a", "label": "billing"},  # good
        {"request_id": "b", "label": "refund"},  # bad
        {"request_id": "c", "thumbs": "up"},  # good
        {"request_id": "d", "thumbs": "down"},  # bad
        {"request_id": "e", "score": 0.9},  # good (>= 0.8)
        {"request_id": "f", "score": 0.5},  # bad
        {"request_id": "a", "key_id": "k2", "label": "refund"},  # another key: ignored
    )
    slo = SLO(name="answers", sli="quality", objective=90, min_score=0.8)
    events = quality_events(store, slo, Scope(SERVICE), 3600, now)
    assert (events.good, events.total) == (3, 6)
    v1 = quality_events(store, slo, Scope(SERVICE, "v1"), 3600, now)
    assert (v1.good, v1.total) == (2, 3)
    no_scores = SLO(name="answers", sli="quality", objective=90)
    assert quality_events(store, no_scores, Scope(SERVICE), 3600, now).total == 4
    earlier = now - dt.timedelta(minutes=5)
    empty = quality_events(store, slo, Scope(SERVICE), 60, earlier)
    assert (empty.total, empty.error_ratio) == (0, None)
    assert "no feedback" in empty.reason


def test_quality_score_prefers_accuracy_then_thumbs(store: Store) -> None:
    """The score is label accuracy when labels exist, else the thumbs-up rate, else no data."""
    now = dt.datetime.now(dt.UTC)
    answers(store, now)
    assert quality_score(store, Scope(SERVICE), 3600).value is None
    feedback(store, now, {"request_id": "d", "thumbs": "up"}, {"request_id": "e", "thumbs": "down"})
    assert quality_score(store, Scope(SERVICE), 3600).value == pytest.approx(0.5)
    feedback(store, now, {"request_id": "a", "label": "billing"})
    assert quality_score(store, Scope(SERVICE), 3600).value == pytest.approx(1.0)
    assert quality_score(store, Scope(SERVICE, "v2"), 3600).value == pytest.approx(0.5)
