"""IBAN: country code, two check digits and a national part of the country's exact length.

Written compact or in groups separated by single spaces; a word that follows is not taken into
the number, because reading stops at exactly the length the country's registry entry gives.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from types import MappingProxyType

from lockgate.privacy.context import Context
from lockgate.privacy.entity import Entity

ENTITY_TYPE = "IBAN"

# ISO 13616 registry: total IBAN length per country.
IBAN_LENGTHS = MappingProxyType(
    {
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
        "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
        "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
        "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
        "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
        "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
        "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
        "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
        "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
        "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
    }
)  # fmt: skip

_PREFILTER = re.compile(r"[0-9]{2}(?<=[A-Za-z]{2}[0-9]{2})")
_START = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2})([0-9]{2})")
_CONTEXT = Context.of(
    boost=("iban", "bank", "account", "transfer", "sepa", "wire", "refund to"), boost_by=0.04
)


def iban_valid(compact: str) -> bool:
    """Whether an upper-case IBAN without spaces has its country's length and passes mod 97."""
    if IBAN_LENGTHS.get(compact[:2]) != len(compact) or not compact.isalnum():
        return False
    rearranged = compact[4:] + compact[:4]
    numeric = "".join(str(int(char, 36)) for char in rearranged)
    return int(numeric) % 97 == 1


def _read_national_part(text: str, position: int, needed: int) -> tuple[str, int] | None:
    """``needed`` alphanumerics from ``position``, skipping single spaces; and the end offset."""
    chars: list[str] = []
    size = len(text)
    while len(chars) < needed:
        if position < size and text[position].isalnum() and text[position].isascii():
            chars.append(text[position])
            position += 1
        elif (
            text.startswith(" ", position)
            and position + 1 < size
            and text[position + 1].isalnum()
            and text[position + 1].isascii()
        ):
            position += 1
        else:
            return None
    return "".join(chars), position


@dataclass(frozen=True, slots=True)
class IbanDetector:
    """Finds IBANs of every registered country, compact or grouped."""

    score: float = 0.95

    @property
    def name(self) -> str:
        """Detector name."""
        return "iban"

    @property
    def prefilter(self) -> re.Pattern[str]:
        """Two letters followed by two digits."""
        return _PREFILTER

    def detect(self, text: str) -> Iterator[Entity]:
        """Every IBAN whose length and mod-97 checksum are right."""
        position = 0
        while (match := _START.search(text, position)) is not None:
            position = match.end()
            country = match[1].upper()
            length = IBAN_LENGTHS.get(country)
            if length is None:
                continue
            national = _read_national_part(text, match.end(), length - 4)
            if national is None:
                continue
            rest, end = national
            if end < len(text) and text[end].isalnum():
                continue  # the run goes on: part of a longer token
            if not iban_valid(country + match[2] + rest.upper()):
                continue
            start = match.start()
            yield Entity(
                ENTITY_TYPE,
                start,
                end,
                _CONTEXT.adjust(text, start, end, self.score),
                text[start:end],
            )
            position = end
