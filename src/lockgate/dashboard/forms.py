"""HTML form bodies and the flag values typed into them.

Forms are read from ``application/x-www-form-urlencoded`` bodies with a size limit, without any
multipart parser. A flag value is typed as text and read according to the flag's kind.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import orjson
from starlette.requests import Request

from lockgate.errors import PayloadTooLarge, RequestError, UnsupportedMediaType
from lockgate.manifest.cutover import FlagKind

MAX_FORM_BYTES = 16_384
MAX_FIELDS = 20
FORM_TYPE = "application/x-www-form-urlencoded"


def parse_form(body: bytes, content_type: str) -> dict[str, str]:
    """The fields of a urlencoded body (the first value of each), e.g. ``{"reason": "..."}``."""
    if content_type.split(";", 1)[0].strip().lower() != FORM_TYPE:
        raise UnsupportedMediaType(f"send the form as {FORM_TYPE}")
    if len(body) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"a form may be at most {MAX_FORM_BYTES} bytes")
    try:
        text = body.decode("utf-8")
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError) as exc:
        raise RequestError(f"the form could not be read: {exc}") from exc
    return {name: values[0] for name, values in fields.items()}


async def read_form(request: Request) -> dict[str, str]:
    """The form posted with ``request``, refusing bodies over the limit before reading them."""
    declared = request.headers.get("content-length", "0")
    if declared.isdigit() and int(declared) > MAX_FORM_BYTES:
        raise PayloadTooLarge(f"a form may be at most {MAX_FORM_BYTES} bytes")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PayloadTooLarge(f"a form may be at most {MAX_FORM_BYTES} bytes")
    return parse_form(body, request.headers.get("content-type", ""))


def parse_value(kind: FlagKind, text: str) -> Any:
    """The value ``text`` stands for in a flag of ``kind``; the store checks that it fits.

    boolean: ``true`` or ``false``; percentage: a number (``true``/``false`` for all or none);
    variant: a variant name, JSON weights such as ``{"a": 90, "b": 10}``, or ``null``.
    """
    raw = text.strip()
    if not raw:
        raise RequestError("type the new value", param="value")
    if kind is FlagKind.VARIANT:
        if raw == "null":
            return None
        if raw.startswith(("{", "[", '"')):
            return _json(raw)
        return raw
    if raw.lower() in {"true", "false"}:
        return raw.lower() == "true"
    if kind is FlagKind.BOOLEAN:
        raise RequestError(f"a boolean flag is true or false, not {raw!r}", param="value")
    try:
        number = float(raw.rstrip("%").strip())
    except ValueError:
        raise RequestError(
            f"a percentage is a number from 0 to 100, not {raw!r}", param="value"
        ) from None
    if not math.isfinite(number):
        raise RequestError("a percentage must be a finite number", param="value")
    return int(number) if number.is_integer() else number


def _json(raw: str) -> Any:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise RequestError(f"the value is not valid JSON: {exc}", param="value") from exc
    if not isinstance(value, str | Mapping):
        raise RequestError("give a variant name or an object of weights", param="value")
    return value
