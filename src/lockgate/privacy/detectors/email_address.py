"""EMAIL: addresses with a dotted domain and an alphabetic top-level label."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "EMAIL"

_PREFILTER = re.compile("@")
_CANDIDATE = re.compile(
    r"(?<![\w.%+\-/])"
    r"(?P<local>[A-Za-z0-9_%+\-](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?)"
    r"@(?P<domain>(?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24})"
    r"(?![\w\-@]|\.[A-Za-z0-9])"
)
_CONTEXT = Context.of(boost=("email", "e-mail", "mail", "contact", "reach me"), boost_by=0.04)


@dataclass(frozen=True, slots=True)
class EmailDetector:
    """Finds e-mail addresses; rejects ``a..b@x.com`` and single-label domains."""

    score: float = 0.95

    @property
    def name(self) -> str:
        """Detector name."""
        return "email"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """An ``@`` anywhere."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every well-formed address."""
        for match in _CANDIDATE.finditer(text):
            if ".." in match["local"]:
                continue
            start, end = match.span()
            score = _CONTEXT.adjust(text, start, end, self.score)
            yield Entity(ENTITY_TYPE, start, end, score, match.group())
