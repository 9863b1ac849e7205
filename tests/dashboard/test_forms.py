"""Form bodies and flag values typed into the dashboard."""

from __future__ import annotations

import pytest

from lockgate.dashboard.forms import FORM_TYPE, MAX_FORM_BYTES, parse_form, parse_value
from lockgate.errors import PayloadTooLarge, RequestError, UnsupportedMediaType
from lockgate.manifest.cutover import FlagKind


def test_urlencoded_fields_are_decoded() -> None:
    """Percent-encoding and plus signs decode; blank fields are kept; the first value wins."""
    body = b"reason=p%C3%A4ge+me&value=&value=2&csrf=a%2Bb"
    fields = parse_form(body, f"{FORM_TYPE}; charset=utf-8")
    assert fields == {"reason": "päge me", "value": "", "csrf": "a+b"}


def test_other_content_types_and_oversized_bodies_are_refused() -> None:
    """Only urlencoded forms up to the limit are read."""
    with pytest.raises(UnsupportedMediaType):
        parse_form(b"{}", "application/json")
    with pytest.raises(PayloadTooLarge):
        parse_form(b"a=" + b"x" * MAX_FORM_BYTES, FORM_TYPE)
    with pytest.raises(RequestError):
        parse_form(b"reason=\xff\xfe", FORM_TYPE)


@pytest.mark.parametrize(
    ("kind", "text", "value"),
    [
        (FlagKind.BOOLEAN, "false", False),
        (FlagKind.BOOLEAN, " True ", True),
        (FlagKind.PERCENTAGE, "25", 25),
        (FlagKind.PERCENTAGE, "12.5 %", 12.5),
        (FlagKind.PERCENTAGE, "true", True),
        (FlagKind.VARIANT, "large", "large"),
        (FlagKind.VARIANT, '{"a": 90, "b": 10}', {"a": 90, "b": 10}),
        (FlagKind.VARIANT, "null", None),
    ],
)
def test_values_are_read_by_kind(kind: FlagKind, text: str, value: object) -> None:
    """Each kind reads its own notation."""
    assert parse_value(kind, text) == value


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        (FlagKind.BOOLEAN, "maybe", "true or false"),
        (FlagKind.PERCENTAGE, "lots", "number from 0 to 100"),
        (FlagKind.PERCENTAGE, "inf", "finite"),
        (FlagKind.VARIANT, "{not json", "not valid JSON"),
        (FlagKind.VARIANT, "[1, 2]", "variant name"),
        (FlagKind.BOOLEAN, "  ", "type the new value"),
    ],
)
def test_values_that_do_not_read_say_what_would(kind: FlagKind, text: str, message: str) -> None:
    """A value that cannot be read is refused with what to type instead."""
    with pytest.raises(RequestError, match=message):
        parse_value(kind, text)
