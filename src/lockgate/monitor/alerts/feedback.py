"""Quality for alerts from stored feedback: the ``quality_score`` metric and the quality SLI.

A feedback row judges one answer: with a label it is good when the label matches the answer's;
else with a thumb when the thumb is up; else with a score when the score reaches the SLO's
``min_score``. Feedback counts only when the key that gave it made the request. Without feedback
in the window both report "no data", never a number.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_, case, func, select

from lockgate.manifest.reliability import SLO, SLIKind
from lockgate.monitor import quality
from lockgate.monitor.alerts.source import Events, Metrics, Reading, Scope
from lockgate.store.db import Store
from lockgate.store.tables import Feedback, RequestLogEntry

NO_FEEDBACK = "no feedback on this service's answers in the window"


def quality_score(store: Store, scope: Scope, window: float) -> Reading:
    """Accuracy, else thumbs-up rate, else mean score (as the quality monitor defines it)."""
    found = quality.by_version(store, scope.service, window=window)
    chosen = [q for version, q in found.items() if scope.version in {None, version}]
    labelled = sum(q.labelled for q in chosen)
    if labelled:
        return Reading(sum(q.correct for q in chosen) / labelled)
    thumbs = sum(q.thumbs for q in chosen)
    if thumbs:
        return Reading(sum(q.thumbs_up for q in chosen) / thumbs)
    scored = sum(q.scored for q in chosen)
    if scored:
        total = sum((q.mean_score or 0.0) * q.scored for q in chosen)
        return Reading(total / scored)
    return Reading.no_data(NO_FEEDBACK)


def quality_events(store: Store, slo: SLO, scope: Scope, window: float, now: dt.datetime) -> Events:
    """Good and judged answers over the window, from feedback joined to the request log."""
    log, fb = RequestLogEntry, Feedback
    good_whens: list[tuple[ColumnElement[bool], ColumnElement[int] | int]] = [
        (fb.label.is_not(None), case((fb.label == log.label, 1), else_=0)),
        (fb.thumbs.is_not(None), case((fb.thumbs == "up", 1), else_=0)),
    ]
    judged_whens: list[tuple[ColumnElement[bool], int]] = [
        (fb.label.is_not(None), 1),
        (fb.thumbs.is_not(None), 1),
    ]
    if slo.min_score is not None:
        good_whens.append((fb.score >= slo.min_score, 1))
        judged_whens.append((fb.score.is_not(None), 1))
    good = case(*good_whens, else_=0)
    judged = case(*judged_whens, else_=0)
    filters = [
        log.service == scope.service,
        fb.at > now - dt.timedelta(seconds=window),
        fb.at <= now,
    ]
    if scope.version is not None:
        filters.append(log.version == scope.version)
    query = (
        select(func.sum(good), func.sum(judged))
        .select_from(fb)
        .join(log, and_(log.request_id == fb.request_id, log.key_id == fb.key_id))
        .where(*filters)
    )
    with store.transaction() as session:
        good_count, total = session.execute(query).one()
    if not total:
        return Events(0, 0, NO_FEEDBACK)
    return Events(int(good_count or 0), int(total))


def attach_feedback(metrics: Metrics, store: Store) -> None:
    """Serve ``quality_score`` and quality SLOs from the store's feedback."""
    metrics.register(
        "quality_score", lambda scope, window, _now: quality_score(store, scope, window)
    )
    metrics.register_sli(
        SLIKind.QUALITY,
        lambda slo, scope, window, now: quality_events(store, slo, scope, window, now),
    )
