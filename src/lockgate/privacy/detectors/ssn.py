"""US_SSN: social security numbers within the ranges the SSA issues.

Area 000, 666 and 900-999, group 00 and serial 0000 are never issued and never match. Hyphenated
numbers score high on their own; space-separated and unseparated nine-digit numbers look like
order numbers, so they need a context word such as "SSN" nearby to be reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "US_SSN"

_PREFILTER = re.compile(r"[0-9]{3}[ \-]?[0-9]{2}[ \-]?[0-9]{4}")
_CANDIDATE = re.compile(
    r"(?<![\w\-.+/$#])(?<!\d )(\d{3})([ \-]?)(\d\d)\2(\d{4})(?![\w\-/]|[ .]\d|,\d)",
    re.ASCII,
)
_CONTEXT = Context.of(
    boost=("ssn", "ss#", "social security", "social", "tax id", "taxpayer", "tin", "itin"),
    penalty=(
        "order", "tracking", "invoice", "ticket", "ref", "reference", "account", "acct",
        "routing", "phone", "call", "sku", "serial", "po", "case", "zip",
    ),
    boost_by=0.4,
    penalty_by=0.4,
    before=40,
    after=0,
)  # fmt: skip
_SCORE_BY_SEPARATOR = MappingProxyType({"-": 0.85, " ": 0.45, "": 0.3})


def ssn_valid(area: str, group: str, serial: str) -> bool:
    """Whether the three parts are in ranges the SSA issues."""
    return area not in {"000", "666"} and area[0] != "9" and group != "00" and serial != "0000"


@dataclass(frozen=True, slots=True)
class SsnDetector:
    """Finds US social security numbers."""

    @property
    def name(self) -> str:
        """Detector name."""
        return "us_ssn"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """Nine digits in the 3-2-4 shape."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every number in valid ranges; weakly separated ones only with context."""
        for match in _CANDIDATE.finditer(text):
            area, separator, group, serial = match.groups()
            if not ssn_valid(area, group, serial):
                continue
            start, end = match.span()
            score = _CONTEXT.adjust(text, start, end, _SCORE_BY_SEPARATOR[separator])
            yield Entity(ENTITY_TYPE, start, end, score, match.group())
