"""The labelled data set: size, labels, split, noise, personal data and reproducibility."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import phonenumbers
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.example import _intents, _noise, _pii, dataset
from lockgate.example.model import golden_set, heldout_messages, load_dataset

REQUIRED_INTENTS = {
    "refund", "order_status", "cancel_order", "billing_dispute", "password_reset",
    "delivery_problem", "human_agent", "change_address", "update_payment", "product_info",
    "account_deletion", "warranty_claim", "shipping_cost", "complaint",
}  # fmt: skip
CARD = re.compile(r"\b\d(?:[ -]?\d){12,18}\b")
IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}\b")
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
IBAN_LENGTHS = {"DE": 22, "GB": 22, "FR": 27, "ES": 24, "NL": 18, "IT": 27}


def luhn_ok(digits: str) -> bool:
    """Independent Luhn check (every second digit from the right doubled)."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def iban_ok(candidate: str) -> bool:
    """Independent ISO 13616 mod-97 check."""
    compact = candidate.replace(" ", "")
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(ord(c) - 55) if c.isalpha() else c for c in rearranged)
    return int(number) % 97 == 1


def phone_ok(text: str) -> bool:
    """True when libphonenumber finds a valid number in ``text`` for one of our regions."""
    return any(
        match.number is not None and phonenumbers.is_valid_number(match.number)
        for region in ("US", "GB", "FR")
        for match in phonenumbers.PhoneNumberMatcher(text, region)
    )


def test_shipped_file_equals_a_fresh_generation() -> None:
    """The shipped JSONL file is byte-identical to what the generator produces now."""
    assert dataset.DATASET_PATH.read_bytes() == dataset.to_jsonl(dataset.generate()).encode()


def test_module_entry_point_regenerates_identical_bytes(tmp_path: Path) -> None:
    """`python -m lockgate.example.dataset PATH` writes the shipped bytes."""
    target = tmp_path / "regenerated.jsonl"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-m", "lockgate.example.dataset", str(target)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == dataset.DATASET_PATH.read_bytes()


def test_seed_changes_the_data() -> None:
    """A different seed yields different messages (the seed is really used)."""
    texts = [m.text for m in dataset.generate_messages(seed=1, per_intent=20)]
    others = [m.text for m in dataset.generate_messages(seed=2, per_intent=20)]
    assert texts != others


def test_size_and_intents() -> None:
    """At least 2,400 utterances over at least 14 intents, including every required one."""
    examples = load_dataset()
    counts = Counter(e.intent for e in examples)
    assert len(examples) >= 2400
    assert len(counts) >= 14
    assert set(counts) >= REQUIRED_INTENTS
    assert min(counts.values()) >= 150


def test_texts_are_unique_and_splits_disjoint() -> None:
    """No message appears twice, so no test message leaks into training."""
    examples = load_dataset()
    lowered = [e.text.lower() for e in examples]
    assert len(set(lowered)) == len(lowered)


def test_split_is_stratified_80_20() -> None:
    """Every intent puts 20% of its messages (rounded) in the test split."""
    examples = load_dataset()
    assert {e.split for e in examples} == {"train", "test"}
    for intent in {e.intent for e in examples}:
        group = [e for e in examples if e.intent == intent]
        test = [e for e in group if e.split == "test"]
        assert len(test) == round(len(group) * dataset.TEST_SHARE)
    assert heldout_messages() == [e for e in examples if e.split == "test"]


def test_split_is_stable_when_generated_again() -> None:
    """Two generations agree on the split of every message."""
    first = {e.text: e.split for e in dataset.generate()}
    second = {e.text: e.split for e in dataset.generate()}
    assert first == second


def test_about_a_fifth_of_messages_carry_personal_data() -> None:
    """Roughly 20% of messages carry PII, and every kind of PII occurs."""
    messages = dataset.generate_messages()
    share = sum(1 for m in messages if m.pii) / len(messages)
    assert 0.15 <= share <= 0.25
    kinds = Counter(kind for m in messages for kind in m.pii)
    assert set(kinds) == set(_pii.PII_GENERATORS)
    assert min(kinds.values()) >= 20


def test_planted_values_are_valid_where_they_appear() -> None:
    """Cards pass Luhn, IBANs pass mod-97, phones are valid numbers, emails are well formed."""
    messages = dataset.generate_messages()
    shipped = {e.text for e in load_dataset()}
    assert {m.text for m in messages} == shipped
    for message in messages:
        if "card" in message.pii:
            found = [re.sub(r"\D", "", c) for c in CARD.findall(message.text)]
            assert any(luhn_ok(d) for d in found), message.text
        if "iban" in message.pii:
            assert any(iban_ok(c) for c in IBAN.findall(message.text)), message.text
        if "phone" in message.pii:
            assert phone_ok(message.text), message.text
        if "email" in message.pii:
            assert EMAIL.search(message.text), message.text


def test_messages_without_pii_have_no_card_or_email() -> None:
    """Clean messages really are clean of emails and card numbers."""
    for message in dataset.generate_messages():
        if not message.pii:
            assert not EMAIL.search(message.text)
            digits = [re.sub(r"\D", "", c) for c in CARD.findall(message.text)]
            assert not any(luhn_ok(d) for d in digits)


def _clean_vocabulary() -> set[str]:
    sources: list[str] = [
        *(t for ts in _intents.TEMPLATES.values() for t in ts),
        *(s for ss in _intents.SLOTS.values() for s in ss),
        *_intents.CONTEXTS, *_intents.OPENERS, *_intents.CLOSERS,
        *(c for cs in _intents.PII_CLAUSES.values() for c in cs),
        *_pii.FIRST_NAMES, *_pii.LAST_NAMES,
    ]  # fmt: skip
    vocabulary = {w for text in sources for w in re.findall(r"[a-z']+", text.lower())}
    return vocabulary | {_noise.abbreviate(w) for w in vocabulary}


def test_messages_are_noisy_like_real_chat() -> None:
    """Many messages are lower case, lack punctuation, or contain misspelt words."""
    texts = [e.text for e in load_dataset() if "@" not in e.text and not re.search(r"\d", e.text)]
    vocabulary = _clean_vocabulary()
    lower = sum(t == t.lower() for t in texts) / len(texts)
    bare = sum(not re.search(r"[.,?!]", t) for t in texts) / len(texts)
    misspelt = sum(
        any(w not in vocabulary for w in re.findall(r"[a-z']+", t.lower())) for t in texts
    ) / len(texts)
    assert 0.3 <= lower <= 0.7
    assert 0.15 <= bare <= 0.5
    assert 0.25 <= misspelt <= 0.6


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz", min_size=4, max_size=12), st.integers())
def test_typo_changes_a_word_by_one_slip(word: str, seed: int) -> None:
    """A typo keeps the first letter and changes the length by at most one."""
    slipped = _noise.typo(word, random.Random(seed))
    assert abs(len(slipped) - len(word)) <= 1
    assert slipped[0] == word[0]


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**32))
def test_generated_cards_pass_luhn(seed: int) -> None:
    """Every generated card number has a valid Luhn check digit and a known length."""
    digits = re.sub(r"\D", "", _pii.card_number(random.Random(seed)))
    assert len(digits) in {15, 16}
    assert luhn_ok(digits)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**32))
def test_generated_ibans_pass_mod_97(seed: int) -> None:
    """Every generated IBAN has the country's length and valid check digits."""
    value = _pii.iban(random.Random(seed))
    compact = value.replace(" ", "")
    assert len(compact) == IBAN_LENGTHS[compact[:2]]
    assert iban_ok(value)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2**32))
def test_generated_phones_are_valid_numbers(seed: int) -> None:
    """Every generated phone number is valid for libphonenumber."""
    assert phone_ok(_pii.phone(random.Random(seed)))


def test_golden_set_covers_every_intent_and_is_unseen() -> None:
    """About 40 golden prompts, unique ids, every intent covered, none copied from the data."""
    cases = golden_set()
    intents = {e.intent for e in load_dataset()}
    assert 35 <= len(cases) <= 45
    assert len({c.id for c in cases}) == len(cases)
    assert {c.expected_intent for c in cases} == intents
    texts = {e.text.lower() for e in load_dataset()}
    assert not any(c.text.lower() in texts for c in cases)
