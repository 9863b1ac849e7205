"""``redact``, ``apply_operators``, ``redact_obj`` and the structlog processor."""

from __future__ import annotations

from typing import Any

import pytest
import structlog

from lockgate.privacy import (
    Analyzer,
    Encrypt,
    Entity,
    Mask,
    OperatorPolicy,
    Pseudonymize,
    apply_operators,
    decrypt,
    redact,
    redact_obj,
    redaction_processor,
)

KEY = bytes(range(32))
TEXT = "I'm jane@example.org, card 4111 1111 1111 1111, call 415-555-2671."


def test_redact_replaces_every_entity_with_its_type() -> None:
    """The default policy writes ``<TYPE>`` and returns offsets into the original."""
    result = redact(TEXT)
    assert result.text == "I'm <EMAIL>, card <CREDIT_CARD>, call <PHONE>."
    assert [TEXT[e.start : e.end] for e in result.entities] == [
        "jane@example.org",
        "4111 1111 1111 1111",
        "415-555-2671",
    ]


def test_clean_text_is_returned_as_is() -> None:
    """No entity means the same string and an empty tuple."""
    result = redact("Hello, I cannot log in since yesterday.")
    assert result.text == "Hello, I cannot log in since yesterday."
    assert result.entities == ()


def test_policy_chooses_operator_per_type() -> None:
    """Cards masked, emails pseudonymized, the rest redacted."""
    policy = OperatorPolicy(
        by_type={"CREDIT_CARD": Mask(), "EMAIL": Pseudonymize(KEY, "acme")},
    )
    text = redact(TEXT, policy=policy).text
    assert "**** **** **** 1111" in text
    assert "<EMAIL_" in text
    assert "<PHONE>" in text


def test_apply_operators_handles_adjacent_and_overlapping_spans() -> None:
    """Adjacent spans are both replaced; of overlapping ones only the winner is."""
    text = "abcdefghij"
    entities = [Entity("A", 0, 3, 0.9), Entity("B", 3, 6, 0.9), Entity("C", 5, 9, 0.5)]
    result = apply_operators(text, entities)
    assert result.text == "<A><B>ghij"
    assert [e.type for e in result.entities] == ["A", "B"]


def test_apply_operators_rejects_spans_past_the_end() -> None:
    """Entities from another text are caught instead of corrupting output."""
    with pytest.raises(ValueError, match="past the end"):
        apply_operators("short", [Entity("A", 2, 10, 0.9)])


def test_encrypted_text_decrypts_exactly() -> None:
    """Encrypt then decrypt gives back the original string."""
    result = redact(TEXT, policy=OperatorPolicy(default=Encrypt(KEY)))
    assert "jane@example.org" not in result.text
    assert decrypt(result.text, KEY) == TEXT


def test_redact_obj_walks_nested_payloads() -> None:
    """Strings in dicts, lists and tuples are redacted; keys and non-strings are kept."""
    payload: dict[str, Any] = {
        "messages": [{"role": "user", "content": "mail jane@example.org"}],
        "meta": ("ip 203.0.113.9", 42, None, True),
        "jane@example.org": "key stays",
        "request_id": "ssn 123-45-6789",
    }
    redacted = redact_obj(payload, skip_keys={"request_id"})
    assert redacted == {
        "messages": [{"role": "user", "content": "mail <EMAIL>"}],
        "meta": ("ip <IP_ADDRESS>", 42, None, True),
        "jane@example.org": "key stays",
        "request_id": "ssn 123-45-6789",
    }
    assert payload["messages"][0]["content"] == "mail jane@example.org"


def test_processor_redacts_events_before_rendering() -> None:
    """In a real structlog chain the rendered line holds no personal data."""
    processor = redaction_processor(Analyzer.default(), OperatorPolicy())
    logger = structlog.wrap_logger(
        structlog.ReturnLogger(),
        processors=[processor, structlog.processors.JSONRenderer(sort_keys=True)],
    )
    line = logger.info(
        "login failed for jane@example.org", ip="203.0.113.9", extra={"phone": "415-555-2671"}
    )
    assert line == (
        '{"event": "login failed for <EMAIL>", "extra": {"phone": "<PHONE>"}, "ip": "<IP_ADDRESS>"}'
    )


def test_processor_leaves_bookkeeping_keys_alone() -> None:
    """Timestamps and ids are not scanned."""
    processor = redaction_processor()
    event = {"event": "x 203.0.113.9", "trace_id": "203.0.113.9"}
    assert processor(None, "info", event) == {"event": "x <IP_ADDRESS>", "trace_id": "203.0.113.9"}
