"""PHONE: national and international numbers, validated against libphonenumber's numbering plans.

A candidate is a maximal run of digits joined by single spaces, dots, hyphens or parentheses.
Pieces that are clearly something else (IPv4 addresses, dates, SSN-shaped numbers) split the run;
every remaining segment must be a valid number for its country code, or for one of the default
regions when written without ``+``. A run is never cut down to a shorter valid number, so order
numbers, tracking numbers and card numbers do not yield phone numbers hidden inside them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "PHONE"

_PREFILTER = re.compile(r"[0-9](?:[ .()\-]{0,2}[0-9]){6}")
_SEPARATOR = r"(?:[ .\-]|\)[ .\-]?|[ ]?\()"
_CANDIDATE = re.compile(
    rf"(?<![\w+.\-/@#$€£:,])(?:\+[ ]?)?\(?\d(?:{_SEPARATOR}?\d)*+\)?(?![\w@/]|[.\-:,]\d)",
    re.ASCII,
)
_NOT_A_PHONE = re.compile(
    r"\d{1,3}(?:\.\d{1,3}){3}"  # IPv4 address
    r"|\d{4}[-./]\d{1,2}[-./]\d{1,2}"  # ISO-like date
    r"|\d{1,2}[-./]\d{1,2}[-./]\d{4}"  # day-month-year or month-day-year
    r"|\d{3}-\d{2}-\d{4}"  # SSN-shaped
    r"|\d{1,4}\.\d{1,3}\.\d{1,3}"  # version triple
)
_CONTEXT = Context.of(
    boost=(
        "phone", "call", "call me", "tel", "telephone", "mobile", "cell", "whatsapp", "sms",
        "text me", "reach me", "fax", "landline", "contact",
    ),
    penalty=(
        "order", "tracking", "invoice", "ticket", "ref", "reference", "serial", "version",
        "build", "account", "acct", "sku", "routing", "po",
    ),
    boost_by=0.1,
    penalty_by=0.4,
    before=32,
    after=0,
)  # fmt: skip
_MIN_DIGITS = 7
_MAX_DIGITS = 15


@dataclass(frozen=True, slots=True)
class PhoneDetector:
    """Finds phone numbers; ``regions`` are tried in order for numbers written without ``+``."""

    regions: tuple[str, ...] = ("US",)
    score: float = 0.75
    international_score: float = 0.85

    def __post_init__(self) -> None:
        known = phonenumbers.SUPPORTED_REGIONS
        unknown = [region for region in self.regions if region not in known]
        if unknown or not self.regions:
            raise ValueError(f"unknown phone regions {unknown}: use ISO 3166 codes such as 'US'")

    @property
    def name(self) -> str:
        """Detector name."""
        return "phone"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """Seven digits with short separators."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every valid number, split at IPs, dates and SSN-shaped pieces inside a run."""
        for match in _CANDIDATE.finditer(text):
            for start, end in _segments(match.group(), match.start()):
                yield from self._check(text, start, end)

    def _check(self, text: str, start: int, end: int) -> Iterator[Entity]:
        value = text[start:end]
        # A parenthesis belongs to the number only when it is balanced inside it.
        if value.endswith(")") and value.count("(") < value.count(")"):
            end -= 1
            value = value[:-1]
        if value.startswith("(") and value.count("(") > value.count(")"):
            start += 1
            value = value[1:]
        digits = sum(char.isdigit() for char in value)
        if not _MIN_DIGITS <= digits <= _MAX_DIGITS or not self._valid(value):
            return
        base = self.international_score if value.startswith("+") else self.score
        yield Entity(ENTITY_TYPE, start, end, _CONTEXT.adjust(text, start, end, base), value)

    def _valid(self, value: str) -> bool:
        regions = (None,) if value.startswith("+") else self.regions
        for region in regions:
            try:
                number = phonenumbers.parse(value, region)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.is_valid_number(number):
                return True
        return False


def _segments(run: str, offset: int) -> Iterator[tuple[int, int]]:
    """Spans of the run between space-separated pieces that are not phone numbers."""
    position = 0
    segment_start: int | None = None
    segment_end = 0
    for piece in run.split(" "):
        piece_start, piece_end = position, position + len(piece)
        position = piece_end + 1
        if _NOT_A_PHONE.fullmatch(piece):
            if segment_start is not None:
                yield offset + segment_start, offset + segment_end
            segment_start = None
            continue
        if segment_start is None:
            segment_start = piece_start
        segment_end = piece_end
    if segment_start is not None:
        yield offset + segment_start, offset + segment_end
