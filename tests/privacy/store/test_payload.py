"""Pure parts of the interaction store: stream reassembly, minimization, canonical pseudonyms."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from lockgate.manifest.governance import DataSection, DataSource
from lockgate.privacy.analyzer import Analyzer
from lockgate.privacy.interactions import (
    PayloadPolicy,
    Pseudonymizer,
    assemble_stream,
    canonical,
    decode_body,
    minimized,
    runtime_sources,
)
from tests.privacy.plants import US_AREAS, messages
from tests.privacy.store.support import stream

PSEUDONYMIZER = Pseudonymizer(bytes(range(32)))
POLICY = PayloadPolicy(Analyzer.default(), PSEUDONYMIZER)
Message = tuple[str, list[tuple[str, str, int]]]


@settings(max_examples=40, deadline=None)
@given(messages(), st.integers(1, 7))
def test_scrub_replaces_every_plant_and_records_its_pseudonym(message: Message, size: int) -> None:
    """Planted values vanish from request and streamed answer; each one's pseudonym is noted."""
    text, plants = message
    answer = assemble_stream(stream(text, size))
    assert answer["choices"][0]["message"]["content"] == text
    document = {"request": {"messages": [{"role": "user", "content": text}]}, "response": answer}
    scrubbed = POLICY.scrub(document, "acme")
    out = orjson.dumps(scrubbed.document).decode()
    digests = {p.digest for p in scrubbed.pseudonyms}
    for kind, value, _ in plants:
        assert value not in out
        assert PSEUDONYMIZER.of("acme", kind, value).digest in digests
    assert sum(scrubbed.counts.values()) >= 2 * len(plants)  # each occurrence, both sides


@settings(max_examples=30, deadline=None)
@given(
    st.sampled_from(US_AREAS),
    st.integers(200, 999),
    st.integers(0, 9999),
)
def test_every_spelling_of_a_number_has_one_pseudonym(area: str, exchange: int, line: int) -> None:
    """Formats of one US number map to one E.164 value, hence one pseudonym."""
    n = f"{line:04d}"
    spellings = [f"({area}) {exchange}-{n}", f"{area}-{exchange}-{n}", f"+1 {area} {exchange} {n}"]
    values = {canonical("PHONE", spelling, ("US",)) for spelling in spellings}
    assert len(values) == 1
    tokens = {PSEUDONYMIZER.of("t", "PHONE", spelling).token for spelling in spellings}
    assert len(tokens) == 1


def test_canonical_leaves_other_types_and_invalid_numbers_alone() -> None:
    """Only valid phone numbers are rewritten."""
    assert canonical("EMAIL", "A@B.example", ("US",)) == "A@B.example"
    assert canonical("PHONE", "12", ("US",)) == "12"
    assert canonical("PHONE", "+44 20 7946 0018", ("US",)) == "+442079460018"


def test_stream_with_several_choices_usage_and_noise() -> None:
    """Choices are joined per index; finish reasons, usage and unparsable lines are kept."""
    events = [
        {"id": "c1", "model": "m", "choices": [{"index": 1, "delta": {"content": "wor"}}]},
        {"choices": [{"index": 0, "delta": {"role": "assistant", "content": "hel"}}]},
        {"choices": [{"index": 0, "delta": {"content": "lo"}, "finish_reason": "stop"}]},
        {"choices": [{"index": 1, "text": "ld", "finish_reason": "length"}]},
        {"choices": [], "usage": {"total_tokens": 9}},
    ]
    body = b"".join(b"data: " + orjson.dumps(e) + b"\n\n" for e in events)
    body += b": keep-alive\n\ndata: {not json\n\ndata: [DONE]\n\n"
    out = assemble_stream(body)
    assert [c["message"]["content"] for c in out["choices"]] == ["hello", "world"]
    assert [c["finish_reason"] for c in out["choices"]] == ["stop", "length"]
    assert (out["id"], out["model"], out["usage"]) == ("c1", "m", {"total_tokens": 9})
    assert out["unparsed"] == ["{not json"]


def test_minimized_keeps_only_roles_and_texts() -> None:
    """Parameters, user ids and tool schemas are dropped; text parts are joined."""
    request = {
        "model": "m",
        "user": "u-1",
        "temperature": 0.3,
        "tools": [{"type": "function"}],
        "messages": [
            {"role": "system", "content": "be brief"},
            {
                "role": "user",
                "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}],
            },
        ],
    }
    response = {
        "id": "x",
        "usage": {},
        "choices": [{"message": {"role": "assistant", "content": "c"}}],
    }
    assert minimized(request, response) == (
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "ab"},
            ]
        },
        {"choices": [{"message": {"role": "assistant", "content": "c"}}]},
    )
    assert minimized("text", None) == ({}, {})


def test_bodies_decode_as_json_or_text() -> None:
    """JSON parses; anything else is kept as text; no body stays None."""
    assert decode_body(b'{"a": 1}') == {"a": 1}
    assert decode_body(b"\xffplain") == "\ufffdplain"
    assert decode_body(None) is None


def test_sources_that_apply_at_run_time() -> None:
    """Live and retrieval sources (and unlabelled ones) apply to a request; training ones not."""
    data = DataSection(
        sources=[
            DataSource(name="chat", kind="live"),
            DataSource(name="kb", kind="retrieval"),
            DataSource(name="misc"),
            DataSource(name="train", kind="training"),
            DataSource(name="eval", kind="evaluation"),
        ]
    )
    assert runtime_sources(data) == ["chat", "kb", "misc"]


@pytest.mark.parametrize("field", ["kek", "hmac_key"])
def test_keys_in_the_manifest_are_references(field: str) -> None:
    """``data.kek`` and ``data.hmac_key`` take ``${env:...}`` or ``${file:...}``, nothing else."""
    assert getattr(DataSection.model_validate({field: "${env:K}"}), field) == "${env:K}"
    with pytest.raises(ValidationError, match="write a reference"):
        DataSection.model_validate({field: "c2VjcmV0"})
