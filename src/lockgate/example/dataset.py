"""The labelled customer-support data set: deterministic generation, split, and file I/O.

``python -m lockgate.example.dataset`` regenerates ``data/support_intents.jsonl`` byte for byte.
"""

from __future__ import annotations

import json
import random
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lockgate.example import _noise
from lockgate.example._intents import (
    CLOSERS,
    CONTEXTS,
    INTENTS,
    NAME_INTRODUCTIONS,
    OPENERS,
    PII_AFFINITY,
    PII_CLAUSES,
    SLOTS,
    TEMPLATES,
)
from lockgate.example._pii import PII_GENERATORS

SEED = 20240611
PER_INTENT = 190
TEST_SHARE = 0.2
PII_SHARE = 0.2
CONTEXT_SHARE = 0.3
TYPO_SHARE = 0.55
TYPO_RATE = 0.4
SECOND_REQUEST_SHARE = 0.06
DATA_DIR = Path(__file__).parent / "data"
DATASET_PATH = DATA_DIR / "support_intents.jsonl"
GOLDEN_PATH = DATA_DIR / "golden.jsonl"

_MAX_CONSECUTIVE_DUPLICATES = 1000
_ALTERNATIVES = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled utterance and the split it belongs to ("train" or "test")."""

    text: str
    intent: str
    split: str


@dataclass(frozen=True, slots=True)
class GoldenCase:
    """A hand-written prompt whose intent any acceptable release must get right."""

    id: str
    text: str
    expected_intent: str


@dataclass(frozen=True, slots=True)
class Message:
    """A generated utterance with the kinds of personal data planted in it."""

    text: str
    intent: str
    pii: tuple[str, ...]


def expand(template: str, rng: random.Random) -> str:
    """Resolve ``[a|b]`` alternatives and ``{slot}`` fillers of a template."""
    text = _ALTERNATIVES.sub(lambda m: rng.choice(m.group(1).split("|")), template)
    text = _SLOT.sub(lambda m: rng.choice(SLOTS[m.group(1)]), text)
    return " ".join(text.split()).replace(" ,", ",")


def _body(intent: str, rng: random.Random) -> str:
    request = expand(rng.choice(TEMPLATES[intent]), rng)
    if rng.random() < CONTEXT_SHARE:
        context = expand(rng.choice(CONTEXTS), rng)
        request = f"{context}{rng.choice(('. ', ', ', ' and '))}{request}"
    if rng.random() < SECOND_REQUEST_SHARE:
        other = rng.choice([i for i in INTENTS if i != intent])
        request = f"{request}{rng.choice((', also ', '. and ', ' and also '))}"
        request += expand(rng.choice(TEMPLATES[other]), rng)
    body = rng.choice(OPENERS) + request + rng.choice(CLOSERS)
    if rng.random() < 0.25:
        body = _noise.abbreviate(body)
    if rng.random() < TYPO_SHARE:
        body = _noise.add_typos(body, rng, rate=TYPO_RATE)
    return body


def _pii_clause(kind: str, rng: random.Random, *, strip: bool, leading: bool) -> str:
    template = rng.choice(NAME_INTRODUCTIONS if leading else PII_CLAUSES[kind])
    if strip:
        template = "{v}".join(_noise.remove_punctuation(p) for p in template.split("{v}"))
    return template.replace("{v}", PII_GENERATORS[kind](rng))


def compose(intent: str, rng: random.Random) -> Message:
    """One customer message for ``intent``: phrasing, noise, casing and maybe personal data."""
    body = _body(intent, rng)
    style = rng.random()
    strip = rng.random() < 0.3
    if strip:
        body = _noise.strip_punctuation(body)
    if style < 0.45:
        body = _noise.sentence_case(body)
    elif style < 0.48:
        body = body.upper()
    kinds: tuple[str, ...] = ()
    if rng.random() < PII_SHARE:
        first = rng.choice(PII_AFFINITY[intent])
        second = rng.choice(PII_AFFINITY[intent]) if rng.random() < 0.2 else first
        kinds = tuple(dict.fromkeys((first, second)))
    text = body
    for kind in kinds:
        leading = kind == "name" and rng.random() < 0.5
        clause = _pii_clause(kind, rng, strip=strip, leading=leading)
        if leading:
            text = f"{clause} {text}" if strip else f"{clause}. {text}"
        else:
            text = f"{text} {clause}" if strip or text[-1:] in ".?!" else f"{text}, {clause}"
    if style < 0.45:
        text = _noise.sentence_case(text[:1]) + text[1:]
    return Message(text=text.strip(), intent=intent, pii=kinds)


def generate_messages(seed: int = SEED, per_intent: int = PER_INTENT) -> list[Message]:
    """``per_intent`` distinct messages for every intent, in a fixed order for a given seed."""
    rng = random.Random(seed)
    seen: set[str] = set()
    messages: list[Message] = []
    for intent in INTENTS:
        count, misses = 0, 0
        while count < per_intent:
            message = compose(intent, rng)
            if message.text.lower() in seen:
                misses += 1
                if misses > _MAX_CONSECUTIVE_DUPLICATES:
                    raise RuntimeError(f"templates for {intent!r} are too few for distinct texts")
                continue
            misses = 0
            seen.add(message.text.lower())
            messages.append(message)
            count += 1
    return messages


def split(messages: Sequence[Message], seed: int = SEED) -> list[Example]:
    """Stratified train/test split: ``TEST_SHARE`` of every intent goes to the test split."""
    rng = random.Random(seed + 1)
    examples: list[Example] = []
    for intent in INTENTS:
        group = [m for m in messages if m.intent == intent]
        order = list(range(len(group)))
        rng.shuffle(order)
        test = set(order[: round(len(group) * TEST_SHARE)])
        examples.extend(
            Example(m.text, m.intent, "test" if i in test else "train") for i, m in enumerate(group)
        )
    rng.shuffle(examples)
    return examples


def generate(seed: int = SEED, per_intent: int = PER_INTENT) -> list[Example]:
    """The full data set with its split, exactly as shipped for the default arguments."""
    return split(generate_messages(seed, per_intent), seed)


def to_jsonl(examples: Iterable[Example]) -> str:
    """Serialise examples one JSON object per line (text, intent, split)."""
    lines = (
        json.dumps({"text": e.text, "intent": e.intent, "split": e.split}, ensure_ascii=False)
        for e in examples
    )
    return "".join(f"{line}\n" for line in lines)


def read_examples(path: Path = DATASET_PATH) -> list[Example]:
    """Load a JSON-lines data set file."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [Example(str(r["text"]), str(r["intent"]), str(r["split"])) for r in rows]


def read_golden(path: Path = GOLDEN_PATH) -> list[GoldenCase]:
    """Load the golden prompts."""
    with path.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return [GoldenCase(str(r["id"]), str(r["text"]), str(r["expected_intent"])) for r in rows]


def write_dataset(path: Path = DATASET_PATH) -> int:
    """Regenerate the shipped data set file; returns the number of examples written."""
    examples = generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(to_jsonl(examples).encode("utf-8"))
    return len(examples)


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: write the data set to the given path or the shipped one."""
    args = list(sys.argv[1:] if argv is None else argv)
    path = Path(args[0]) if args else DATASET_PATH
    count = write_dataset(path)
    sys.stdout.write(f"wrote {count} examples to {path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
