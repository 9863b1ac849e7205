"""Answer quality from feedback: accuracy against labels, mean score and thumbs-up rate.

Feedback is joined with the request log on the request id (and the key that made the request, so
one client cannot grade another's answers), per service and version, over a window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select

from lockgate.store.db import Store
from lockgate.store.tables import Feedback, RequestLogEntry


@dataclass(frozen=True, slots=True)
class Quality:
    """Feedback on one version's answers in a window."""

    version: str
    feedback: int
    labelled: int
    correct: int
    scored: int
    mean_score: float | None
    thumbs: int
    thumbs_up: int

    @property
    def accuracy(self) -> float | None:
        """Share of labelled answers whose label matched, or None without labels."""
        return self.correct / self.labelled if self.labelled else None

    @property
    def thumbs_up_rate(self) -> float | None:
        """Share of thumbs that were up, or None without thumbs."""
        return self.thumbs_up / self.thumbs if self.thumbs else None

    @property
    def score(self) -> float | None:
        """One quality figure: accuracy if labels exist, else thumbs-up rate, else mean score."""
        for value in (self.accuracy, self.thumbs_up_rate, self.mean_score):
            if value is not None:
                return value
        return None


def by_version(store: Store, service: str, *, window: float) -> dict[str, Quality]:
    """Quality per version of ``service`` over the last ``window`` seconds."""
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=window)
    log, fb = RequestLogEntry, Feedback
    query = (
        select(
            log.version,
            func.count(fb.id),
            func.count(fb.label),
            func.sum(case((and_(fb.label.is_not(None), fb.label == log.label), 1), else_=0)),
            func.count(fb.score),
            func.avg(fb.score),
            func.count(fb.thumbs),
            func.sum(case((fb.thumbs == "up", 1), else_=0)),
        )
        .join(log, and_(log.request_id == fb.request_id, log.key_id == fb.key_id))
        .where(log.service == service, fb.at >= since, log.version.is_not(None))
        .group_by(log.version)
    )
    with store.transaction() as session:
        rows = session.execute(query).all()
    return {
        str(version): Quality(
            version=str(version),
            feedback=int(n),
            labelled=int(labelled),
            correct=int(correct or 0),
            scored=int(scored),
            mean_score=float(mean) if mean is not None else None,
            thumbs=int(thumbs),
            thumbs_up=int(up or 0),
        )
        for version, n, labelled, correct, scored, mean, thumbs, up in rows
    }
