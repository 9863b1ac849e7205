"""Shared pieces of the interaction-store tests: manifests, records, keys and raw scans."""

from __future__ import annotations

import base64
import os
import time
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import inspect, text

from lockgate.store.db import Store
from lockgate.store.requestlog import RequestRecord

SQLITE_ONLY = pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
"""For behaviour that does not depend on the backend: both run where storage matters."""

KEK_ENV = "LOCKGATE_TEST_KEK"
HMAC_ENV = "LOCKGATE_TEST_HMAC"
SERVICE = "support-assistant"

EMAIL = "maria.gonzalez@example.org"
PHONE = "(415) 555-2671"
CARD = "4111 1111 1111 1111"
IBAN = "DE89 3704 0044 0532 0130 00"
SSN = "123-45-6789"
FRAGMENT = "the lighthouse keeper lost a parcel"
PLANTED = (EMAIL, PHONE, CARD, IBAN, SSN)
MESSAGE = (
    f"Hi, I am {EMAIL}, call me at {PHONE}. Card {CARD}, IBAN {IBAN}, SSN {SSN}. Also {FRAGMENT}."
)


def new_kek() -> str:
    """A fresh key-encryption key in the form the manifest expects."""
    return base64.b64encode(os.urandom(32)).decode()


def data_section(**extra: Any) -> dict[str, Any]:
    """A ``data`` section storing payloads with keys from the test environment."""
    return {
        "store_payloads": True,
        "kek": "${env:" + KEK_ENV + "}",
        "hmac_key": "${env:" + HMAC_ENV + "}",
        "sources": [
            {"name": "live-chat", "kind": "live"},
            {"name": "faq-index", "kind": "retrieval"},
            {"name": "intents-2025", "kind": "training"},
        ],
        **extra,
    }


def chat(content: str, **extra: Any) -> bytes:
    """A chat request body."""
    return orjson.dumps(
        {"model": SERVICE, "messages": [{"role": "user", "content": content}], **extra}
    )


def completion(content: str) -> bytes:
    """A non-streamed chat answer body."""
    message = {"role": "assistant", "content": content}
    return orjson.dumps(
        {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "choices": [{"index": 0, "message": message}],
        }
    )


def stream(content: str, size: int = 3) -> bytes:
    """An SSE answer cut into ``size``-character chunks."""
    events = [
        b"data: "
        + orjson.dumps({"choices": [{"index": 0, "delta": {"content": content[i : i + size]}}]})
        + b"\n\n"
        for i in range(0, len(content), size)
    ]
    return b"".join(events) + b"data: [DONE]\n\n"


def record(
    request: bytes | None,
    response: bytes | None = None,
    *,
    tenant: str | None = "acme",
    at: float | None = None,
    stream_: bool = False,
    conversation: str | None = "conv-1",
) -> RequestRecord:
    """A finished request as the gateway reports it."""
    return RequestRecord(
        request_id=uuid.uuid4().hex[:16],
        at=time.time() if at is None else at,
        key_id="key123",
        service=SERVICE,
        version="v1",
        route="chat",
        status=200,
        error_code=None,
        stream=stream_,
        latency_ms=12.0,
        upstream_ms=10.0,
        prompt_tokens=None,
        completion_tokens=None,
        fallback=None,
        tenant=tenant,
        conversation=conversation,
        request_body=request,
        response_body=response,
    )


def raw_dump(store: Store, url: str) -> bytes:
    """Everything the database holds: the SQLite files' bytes, or every PostgreSQL value
    (binary columns as their raw bytes, everything else as text)."""
    if store.dialect == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        return b"".join(
            candidate.read_bytes()
            for candidate in (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
            if candidate.exists()
        )
    chunks: list[bytes] = []
    with store.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            query = f'SELECT * FROM "{table}"'  # noqa: S608 - names from the catalogue
            for row in conn.execute(text(query)):
                for value in row:
                    raw = bytes(value) if isinstance(value, bytes | memoryview) else None
                    chunks.append(raw if raw is not None else str(value).encode())
    return b"\n".join(chunks)


def leaks(dump: bytes, values: tuple[str, ...]) -> list[str]:
    """Planted values found in ``dump``, in their written form or with separators removed."""
    found = []
    for value in values:
        compact = "".join(ch for ch in value if ch.isalnum())
        forms = {value, value.lower(), compact}
        if any(form.encode() in dump for form in forms):
            found.append(value)
    return found
