"""Hypothesis properties of detection and replacement."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.privacy import (
    Analyzer,
    Encrypt,
    Entity,
    OperatorPolicy,
    Pseudonymize,
    apply_operators,
    decrypt,
    redact,
)
from tests.privacy.plants import PLANTS, messages, typed_values

KEY = bytes(range(32))
ANALYZER = Analyzer.default()
ENCRYPT = OperatorPolicy(default=Encrypt(KEY))
PSEUDONYMIZE = OperatorPolicy(default=Pseudonymize(KEY, "acme"))
Message = tuple[str, list[tuple[str, str, int]]]


@given(st.one_of(st.text(), messages().map(lambda message: message[0])))
def test_offsets_are_valid_and_slice_to_the_entity(text: str) -> None:
    """Every entity is inside the text, slices to its value, and none overlap."""
    entities = ANALYZER.analyze(text)
    previous_end = 0
    for entity in entities:
        assert previous_end <= entity.start < entity.end <= len(text)
        assert text[entity.start : entity.end] == entity.text
        previous_end = entity.end


@given(messages())
def test_every_planted_value_is_found_with_its_type(message: Message) -> None:
    """Each planted value is covered exactly by an entity of the planted type."""
    text, plants = message
    spans = {(e.type, e.start, e.end) for e in ANALYZER.analyze(text)}
    for kind, value, offset in plants:
        assert (kind, offset, offset + len(value)) in spans, (kind, value)


@given(messages())
def test_no_planted_value_survives_redaction(message: Message) -> None:
    """The redacted text contains none of the planted values."""
    text, plants = message
    redacted = redact(text, analyzer=ANALYZER).text
    for _, value, _ in plants:
        assert value not in redacted


@given(messages(), st.sampled_from(["redact", "pseudonymize", "encrypt"]))
def test_redaction_is_idempotent(message: Message, operator: str) -> None:
    """Redacting an already redacted text finds nothing new."""
    policy = {"redact": None, "pseudonymize": PSEUDONYMIZE, "encrypt": ENCRYPT}[operator]
    once = redact(message[0], policy=policy, analyzer=ANALYZER)
    assert ANALYZER.analyze(once.text) == ()


@given(st.lists(st.one_of(typed_values.map(lambda typed: typed[1]), st.text(max_size=8))))
def test_encrypt_round_trips_adjacent_values(pieces: list[str]) -> None:
    """Values glued together with no separator still decrypt to the exact input."""
    text = "".join(pieces)
    assert decrypt(redact(text, policy=ENCRYPT, analyzer=ANALYZER).text, KEY) == text


@st.composite
def overlapping(draw: st.DrawFn) -> tuple[str, list[Entity]]:
    """A text and arbitrary, possibly overlapping entities over it."""
    text = draw(st.text(min_size=1, max_size=60))
    entities = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        kind = draw(st.sampled_from(sorted(PLANTS)))
        entities.append(Entity(kind, start, end, draw(st.floats(0, 1)), text[start:end]))
    return text, entities


@given(overlapping())
def test_encrypt_round_trips_overlapping_entities(case: tuple[str, list[Entity]]) -> None:
    """Overlaps are resolved before encrypting, so decryption restores the exact text."""
    text, entities = case
    result = apply_operators(text, entities, ENCRYPT)
    assert decrypt(result.text, KEY) == text
    for left, right in zip(result.entities, result.entities[1:], strict=False):
        assert left.end <= right.start


@settings(max_examples=50)
@given(messages(), st.data())
def test_encrypt_round_trips_with_deny_list_overlaps(message: Message, data: st.DataObject) -> None:
    """A deny-list entry overlapping a planted value still round-trips exactly."""
    text, plants = message
    _, value, _ = data.draw(st.sampled_from(plants))
    cut = data.draw(st.integers(1, len(value)))
    analyzer = ANALYZER.scoped(deny={value[cut // 2 : cut + 2]: "CUSTOM"})
    result = redact(text, policy=ENCRYPT, analyzer=analyzer)
    assert decrypt(result.text, KEY) == text
