"""No secret and no personal data reaches the gateway's log lines or its exported spans.

Real traffic goes through a real gateway whose logs are configured as in production (JSON on
stderr): prompts with planted personal data, streams, forged keys, admin calls minting keys and
an upstream failure. Every captured line and every span field is then searched for the keys, the
upstream and storage secrets and the planted values, in their spaced and compact forms.
"""

from __future__ import annotations

import base64
import logging
import os
import secrets
from collections.abc import Iterable, Iterator
from pathlib import Path

import httpx
import orjson
import pytest
import structlog
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from lockgate.auth.scopes import Scope
from lockgate.auth.tokens import split
from lockgate.monitor import logs
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.upstream import ScriptedUpstream

CHAT = "/v1/chat/completions"
SERVICE = "support-assistant"
EMAIL = "olga.petrova.lg@example.net"
CARD = "4539 1488 0343 6467"
PHONE = "+44 20 7946 0958"
IBAN = "GB82 WEST 1234 5698 7654 32"
PLANTED = (EMAIL, CARD, PHONE, IBAN)
PROMPT = f"I am {EMAIL}, call {PHONE}; refund card {CARD} to IBAN {IBAN} please."
UPSTREAM_ENV = "LG_TELEMETRY_TEST_UPSTREAM_KEY"
KEK_ENV = "LG_TELEMETRY_TEST_KEK"
HMAC_ENV = "LG_TELEMETRY_TEST_HMAC"


def _luhn_valid(number: str) -> bool:
    digits = [int(c) for c in number if c.isdigit()][::-1]
    total = sum(d if i % 2 == 0 else (d * 2 - 9 if d > 4 else d * 2) for i, d in enumerate(digits))
    return total % 10 == 0


def _forms(value: str) -> set[str]:
    """A value as written, without separators, and JSON-escaped (as a log renderer writes it)."""
    compact = "".join(c for c in value if c not in " -()")
    escaped = orjson.dumps(value).decode()[1:-1]
    return {value, compact, escaped}


def _leaks(haystacks: Iterable[str], needles: Iterable[str]) -> list[tuple[str, str]]:
    """Every (needle, haystack) pair where a form of the needle occurs in the haystack."""
    forms = {form: needle for needle in needles for form in _forms(needle)}
    return [(needle, text) for text in haystacks for form, needle in forms.items() if form in text]


def _span_texts(spans: Iterable[ReadableSpan]) -> list[str]:
    """Everything a span exporter would ship: names, attributes, events, status, resource."""
    texts: list[str] = []
    for span in spans:
        texts.append(span.name)
        texts.append(span.status.description or "")
        texts.extend(f"{k}={v!r}" for k, v in (span.attributes or {}).items())
        texts.extend(f"{k}={v!r}" for k, v in span.resource.attributes.items())
        for event in span.events:
            texts.append(event.name)
            texts.extend(f"{k}={v!r}" for k, v in (event.attributes or {}).items())
    return texts


@pytest.fixture
def production_logs() -> Iterator[None]:
    """Restore structlog's and the root logger's defaults after a test configured them."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        structlog.reset_defaults()
        root.handlers = handlers
        root.setLevel(level)


def test_the_leak_scan_finds_spaced_compact_and_escaped_forms() -> None:
    """The scan used below catches a value however a log line or span attribute spells it."""
    assert _luhn_valid(CARD) and not _luhn_valid("4539 1488 0343 6468")
    line = orjson.dumps({"event": "x", "detail": f"card={CARD.replace(' ', '')} {EMAIL}"}).decode()
    assert {needle for needle, _ in _leaks([line], PLANTED)} == {CARD, EMAIL}
    assert _leaks([f'"msg": "{PHONE}"'], PLANTED) == [(PHONE, f'"msg": "{PHONE}"')]
    assert _leaks(["nothing to see"], PLANTED) == []


@pytest.mark.usefixtures("production_logs")
def test_logs_and_spans_carry_no_keys_secrets_or_personal_data(
    tmp_path: Path, scripted: tuple[ScriptedUpstream, str], capfd: pytest.CaptureFixture[str]
) -> None:
    """Keys, upstream/storage secrets and planted PII never appear in logs or span fields."""
    upstream, url = scripted
    upstream_secret = "up-" + secrets.token_urlsafe(24)
    kek = base64.b64encode(os.urandom(32)).decode()
    hmac_key = secrets.token_urlsafe(24)
    data = manifest_dict({"v1": url}, service=SERVICE)
    data["versions"]["v1"]["headers"] = {"Authorization": "Bearer ${env:" + UPSTREAM_ENV + "}"}
    data["data"] = {
        "store_payloads": True,
        "kek": "${env:" + KEK_ENV + "}",
        "hmac_key": "${env:" + HMAC_ENV + "}",
    }
    exporter = InMemorySpanExporter()
    # Configured after capture began, so the renderer writes to the captured stderr. Caching
    # stays off so no module-level logger keeps this test's stream after it ends.
    logs.configure(json=True)
    structlog.configure(cache_logger_on_first_use=False)
    body = {"model": SERVICE, "messages": [{"role": "user", "content": PROMPT}]}
    request_ids: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(UPSTREAM_ENV, upstream_secret)
        patch.setenv(KEK_ENV, kek)
        patch.setenv(HMAC_ENV, hmac_key)
        with running_gateway(tmp_path, data, span_exporter=exporter) as gw:
            admin_token = gw.key(Scope.KEYS_ADMIN)
            admin = {"authorization": f"Bearer {admin_token}"}
            created = httpx.post(
                gw.url + "/admin/v1/keys", json={"name": "web", "scopes": ["invoke"]}, headers=admin
            )
            assert created.status_code == 201, created.text
            token = created.json()["token"]
            assert httpx.get(gw.url + "/admin/v1/keys", headers=admin).status_code == 200
            parts = split(token)
            assert parts is not None
            key_id, secret = parts
            forged = [
                f"lk_{key_id}_{secrets.token_hex(20)}",
                f"lk_{secrets.token_hex(6)}_{secrets.token_hex(20)}",
                "sk-" + secrets.token_urlsafe(30),
            ]

            def chat(headers: dict[str, str], **extra: object) -> httpx.Response:
                response = httpx.post(gw.url + CHAT, json={**body, **extra}, headers=headers)
                request_ids.append(response.headers["x-lockgate-request-id"])
                return response

            assert chat({"authorization": f"Bearer {token}"}).status_code == 200
            assert chat({"x-api-key": token}, stream=True).status_code == 200
            invoked = httpx.post(
                gw.url + f"/v1/services/{SERVICE}/invoke",
                json={"text": PROMPT},
                headers={"authorization": f"Bearer {token}"},
            )
            assert invoked.status_code == 200
            request_ids.append(invoked.headers["x-lockgate-request-id"])
            for fake in forged:
                assert chat({"authorization": f"Bearer {fake}"}).status_code == 401
                assert chat({"x-api-key": fake}).status_code == 401
                refused = httpx.get(
                    gw.url + "/admin/v1/keys", headers={"authorization": f"Bearer {fake}"}
                )
                assert refused.status_code == 401
            upstream.mode = "error500"
            assert chat({"authorization": f"Bearer {token}"}).status_code >= 500
        captured = capfd.readouterr()
    lines = [line for line in (captured.err + captured.out).splitlines() if line.strip()]
    records = [orjson.loads(line) for line in lines if line.startswith("{")]
    logged_ids = {r.get("request_id") for r in records if r.get("event") == "request"}
    assert set(request_ids) <= logged_ids  # the capture really holds the gateway's log lines
    spans = exporter.get_finished_spans()
    assert len([s for s in spans if s.kind is SpanKind.SERVER]) == len(request_ids)
    assert len(upstream.seen) == 4  # two chats, one invoke, one failing chat
    assert upstream.seen[0].headers["authorization"] == f"Bearer {upstream_secret}"
    assert PHONE in upstream.seen[0].body.decode()  # the planted data really went through

    needles = [admin_token, token, secret, *forged, upstream_secret, kek, hmac_key, *PLANTED]
    needles += [s for t in (admin_token, *forged[:2]) if (p := split(t)) for s in p[1:]]
    assert _leaks(lines, needles) == []
    assert _leaks(_span_texts(spans), needles) == []
