"""Checking values against a flag's kind: what fits, and messages that say what would."""

from __future__ import annotations

from typing import Any

import pytest

from lockgate.flags import InvalidFlagValue, check_value, compile_value
from lockgate.flags.model import Fixed, Off, Percent, Weighted
from lockgate.manifest.cutover import FlagKind
from tests.flags.helpers import KILL, definitions


@pytest.mark.parametrize(
    ("name", "value"),
    [
        (KILL, False),
        (KILL, True),
        ("long-context", 0),
        ("long-context", 12.5),
        ("long-context", 100),
        ("long-context", True),
        ("model-choice", "large"),
        ("model-choice", {"small": 90, "large": 10}),
        ("model-choice", None),
    ],
)
def test_values_that_fit(name: str, value: Any) -> None:
    """Booleans, percentages 0..100 (or true/false), variant names, weights and null fit."""
    assert check_value(definitions()[name], value) == value


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        (KILL, "maybe", "must be true or false, got 'maybe'"),
        (KILL, "false", "must be true or false"),
        (KILL, None, "boolean flag"),
        (KILL, 0, "boolean flag"),
        ("long-context", 101, "from 0 to 100"),
        ("long-context", -1, "from 0 to 100"),
        ("long-context", "25", "from 0 to 100"),
        ("long-context", float("nan"), "from 0 to 100"),
        ("model-choice", "huge", "its variants are large, small, tiny"),
        ("model-choice", 3, "name a variant (large, small, tiny)"),
        ("model-choice", {"small": -1}, "must be a number >= 0"),
        ("model-choice", {"small": "x"}, "must be a number >= 0"),
        ("model-choice", {"small": 0, "large": 0}, "add up to more than 0"),
        ("model-choice", {"medium": 1}, "no variant 'medium'"),
    ],
)
def test_values_that_do_not_fit(name: str, value: Any, message: str) -> None:
    """Each refusal names the flag, its kind and what would fit; it maps to HTTP 400."""
    with pytest.raises(InvalidFlagValue) as caught:
        check_value(definitions()[name], value)
    assert message in caught.value.message
    assert name in caught.value.message
    assert (caught.value.status, caught.value.code) == (400, "invalid_flag_value")


def test_compiled_outcomes() -> None:
    """Percentages become bucket thresholds and weights cumulative bands in variant-name order."""
    assert compile_value("f", FlagKind.BOOLEAN, True) == Fixed(True)  # noqa: FBT003
    assert compile_value("f", FlagKind.PERCENTAGE, 12.5) == Percent(1250)
    assert compile_value("f", FlagKind.PERCENTAGE, False) == Percent(0)  # noqa: FBT003
    assert compile_value("f", FlagKind.VARIANT, None) == Off()
    weighted = compile_value("f", FlagKind.VARIANT, {"b": 3, "a": 1}, {"a": "A", "b": "B"})
    assert weighted == Weighted(((2500, "a", "A"), (10000, "b", "B")))
    zero = compile_value("f", FlagKind.VARIANT, {"a": 0, "b": 1, "c": 0})
    assert zero == Weighted(((0, "a", "a"), (10000, "b", "b"), (10000, "c", "c")))
