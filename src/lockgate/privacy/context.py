"""Context words near a candidate raise or lower its score ("card", "ssn", "order", ...)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

_SENTENCE_END = re.compile(r"[.!?](?:\s|$)|\n")


def _words_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted({word.lower() for word in words}, key=lambda word: (-len(word), word))
    if not ordered:
        return None
    alternation = "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)
    # Whole words only: not inside an address, a host name or a hyphenated token.
    return re.compile(rf"(?<![a-z0-9@._\-/])(?:{alternation})(?![a-z0-9@_\-]|\.[a-z0-9])")


@dataclass(frozen=True, slots=True)
class Context:
    """Words that make a candidate more (``boost``) or less (``penalty``) likely to be real.

    Only the ``before`` characters preceding the candidate and the ``after`` characters following
    it are looked at, and never past the end of the candidate's sentence; a penalty word closer
    than any boost word wins.
    """

    boost_words: re.Pattern[str] | None
    penalty_words: re.Pattern[str] | None
    boost: float
    penalty: float
    before: int
    after: int

    @classmethod
    def of(
        cls,
        boost: Iterable[str] = (),
        penalty: Iterable[str] = (),
        *,
        boost_by: float = 0.15,
        penalty_by: float = 0.35,
        before: int = 40,
        after: int = 20,
    ) -> Context:
        """Compile the two word lists once."""
        return cls(
            _words_pattern(boost), _words_pattern(penalty), boost_by, penalty_by, before, after
        )

    def adjust(self, text: str, start: int, end: int, score: float) -> float:
        """``score`` moved by the nearest context word, clamped to [0, 1]."""
        before = text[max(0, start - self.before) : start].lower()
        sentence_start = max((b.end() for b in _SENTENCE_END.finditer(before)), default=0)
        before = before[sentence_start:]
        after = text[end : end + self.after].lower()
        boundary = _SENTENCE_END.search(after)
        if boundary is not None:
            after = after[: boundary.start()]
        boost_at = _nearest(self.boost_words, before, after)
        penalty_at = _nearest(self.penalty_words, before, after)
        if penalty_at is not None and (boost_at is None or penalty_at <= boost_at):
            score -= self.penalty
        elif boost_at is not None:
            score += self.boost
        return round(min(1.0, max(0.0, score)), 4)


def _nearest(pattern: re.Pattern[str] | None, before: str, after: str) -> int | None:
    """Distance in characters from the candidate to the closest match, if any."""
    if pattern is None:
        return None
    best: int | None = None
    for match in pattern.finditer(before):
        distance = len(before) - match.end()
        best = distance if best is None else min(best, distance)
    first_after = pattern.search(after)
    if first_after is not None:
        distance = first_after.start()
        best = distance if best is None else min(best, distance)
    return best
