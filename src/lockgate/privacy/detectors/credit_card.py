"""CREDIT_CARD: 12 to 19 digits that pass Luhn and start with a known issuer prefix."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "CREDIT_CARD"

# (first prefix, last prefix, allowed lengths): issuer identification number ranges.
_IIN_RANGES: tuple[tuple[int, int, frozenset[int]], ...] = (
    (4, 4, frozenset({13, 16, 19})),  # Visa
    (51, 55, frozenset({16})),  # Mastercard
    (2221, 2720, frozenset({16})),  # Mastercard 2-series
    (34, 34, frozenset({15})),  # American Express
    (37, 37, frozenset({15})),  # American Express
    (6011, 6011, frozenset(range(16, 20))),  # Discover
    (644, 649, frozenset(range(16, 20))),  # Discover
    (65, 65, frozenset(range(16, 20))),  # Discover
    (62, 62, frozenset(range(16, 20))),  # UnionPay
    (3528, 3589, frozenset(range(16, 20))),  # JCB
    (300, 305, frozenset(range(14, 20))),  # Diners Club
    (36, 36, frozenset(range(14, 20))),  # Diners Club
    (38, 39, frozenset(range(16, 20))),  # Diners Club
    (2200, 2204, frozenset(range(16, 20))),  # Mir
    (5018, 5018, frozenset(range(12, 20))),  # Maestro
    (5020, 5020, frozenset(range(12, 20))),  # Maestro
    (5038, 5038, frozenset(range(12, 20))),  # Maestro
    (5893, 5893, frozenset(range(12, 20))),  # Maestro
    (6304, 6304, frozenset(range(12, 20))),  # Maestro
    (6759, 6759, frozenset(range(12, 20))),  # Maestro
    (6761, 6763, frozenset(range(12, 20))),  # Maestro
)

_PREFILTER = re.compile(r"[0-9](?:[ \-]?[0-9]){11}")
# Maximal runs of digits joined by single spaces or hyphens; possessive so a longer run (a
# tracking number) is never cut down to a card-sized piece.
_CANDIDATE = re.compile(r"(?<![\w\-.,])(?<!\d )\d(?:[ \-]?\d)*+(?![\w])", re.ASCII)
_CONTEXT = Context.of(
    boost=("card", "credit", "debit", "visa", "mastercard", "amex", "cc", "payment", "charged"),
    penalty=("tracking", "order", "invoice", "serial", "imei", "reference", "ref"),
    boost_by=0.05,
    penalty_by=0.45,
    before=24,
    after=0,
)


def luhn_valid(digits: str) -> bool:
    """Whether the digit string passes the Luhn (mod 10) check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def known_issuer(digits: str) -> bool:
    """Whether the number's prefix and length belong to a known card network."""
    length = len(digits)
    for low, high, lengths in _IIN_RANGES:
        width = len(str(low))
        if low <= int(digits[:width]) <= high and length in lengths:
            return True
    return False


@dataclass(frozen=True, slots=True)
class CreditCardDetector:
    """Finds card numbers, plain or grouped with spaces or hyphens."""

    score: float = 0.9

    @property
    def name(self) -> str:
        """Detector name."""
        return "credit_card"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """Twelve digits with optional single separators."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every Luhn-valid number with a known issuer prefix and length."""
        for match in _CANDIDATE.finditer(text):
            run = match.group()
            digits = run.replace(" ", "").replace("-", "")
            if not 12 <= len(digits) <= 19:
                continue
            if not (known_issuer(digits) and luhn_valid(digits)):
                continue
            start, end = match.span()
            score = _CONTEXT.adjust(text, start, end, self.score)
            yield Entity(ENTITY_TYPE, start, end, score, run)
