"""Scalar types shared by manifest sections: durations, byte sizes and secret references."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, WithJsonSchema

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?\s*$")
_DURATION_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0, "w": 604800.0}
_SIZE = re.compile(r"^\s*(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?\s*$", re.IGNORECASE)
_SIZE_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}


def parse_duration(value: Any) -> float:
    """Seconds from ``30``, ``1.5`` or a string with a unit: ``"500ms"``, ``"10s"``, ``"30d"``."""
    if isinstance(value, bool):
        raise ValueError("expected a duration such as '10s', '500ms' or '30d', not a boolean")
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return float(value)
    if isinstance(value, str):
        match = _DURATION.match(value)
        if match:
            number, unit = match.groups()
            return float(number) * _DURATION_UNITS[unit or "s"]
    raise ValueError(
        f"{value!r} is not a duration; write a number of seconds or a number with a unit "
        "(ms, s, m, h, d, w), e.g. '10s' or '30d'"
    )


def parse_size(value: Any) -> int:
    """Bytes from ``1048576``, ``"512KiB"``, ``"1MiB"`` or ``"2MB"``."""
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    if isinstance(value, str):
        match = _SIZE.match(value)
        if match:
            number, unit = match.groups()
            return int(number) * _SIZE_UNITS[(unit or "b").lower()]
    raise ValueError(f"{value!r} is not a size; write bytes or e.g. '512KiB', '1MiB'")


Duration = Annotated[
    float,
    BeforeValidator(parse_duration),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0},
                {"type": "string", "pattern": _DURATION.pattern},
            ],
            "description": "Seconds, or a number with a unit: ms, s, m, h, d, w.",
        }
    ),
]

ByteSize = Annotated[
    int,
    BeforeValidator(parse_size),
    WithJsonSchema(
        {
            "anyOf": [{"type": "integer", "minimum": 0}, {"type": "string"}],
            "description": "Bytes, or a number with a unit: KiB, MiB, GiB, KB, MB, GB.",
        }
    ),
]

Name = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,62}$")]
"""Lower-case identifier used for services, versions, flags and rules."""

Percent = Annotated[float, Field(ge=0, le=100)]
