"""The intent classifier behind the example service, in three releases.

``v1`` is the baseline, ``v2`` the better release, ``v3`` a bad release: the v2 recipe retrained
after a labelling-pipeline bug re-attached a share of the training labels to the wrong rows.
Every model is trained from the shipped data set at start-up; nothing is cached on disk.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline, make_pipeline, make_union

from lockgate.errors import LockgateError
from lockgate.example.dataset import Example, GoldenCase, read_examples, read_golden
from lockgate.example.scoring import LinearTextScorer

VERSIONS: tuple[str, ...] = ("v1", "v2", "v3")
CORRUPTED_SHARE = 0.4
_CORRUPTION_SEED = 31


class UnknownVersionError(LockgateError, ValueError):
    """The requested model version does not exist."""

    status = 400
    code = "unknown_version"
    type = "invalid_request_error"

    def __init__(self, version: str) -> None:
        super().__init__(
            f"unknown model version {version!r}; choose one of {', '.join(VERSIONS)}",
            param="version",
        )
        self.version = version


@dataclass(frozen=True, slots=True)
class Prediction:
    """The most likely intent and the model's probability for it."""

    intent: str
    confidence: float


@dataclass(frozen=True, slots=True)
class VersionSpec:
    """What a release is, in one line, and how its classifier is built."""

    name: str
    description: str
    build: Callable[[], Pipeline]
    corrupted_share: float = 0.0


@dataclass(frozen=True, slots=True)
class VersionReport:
    """Measured quality of one trained release."""

    version: str
    description: str
    heldout_accuracy: float
    golden_accuracy: float
    train_seconds: float
    test_examples: int


class IntentModel:
    """A trained classifier that maps a customer message to an intent."""

    __slots__ = ("_scorer", "pipeline", "train_seconds", "version")

    def __init__(self, version: str, pipeline: Pipeline, train_seconds: float) -> None:
        self.version = version
        self.train_seconds = train_seconds
        self.pipeline = pipeline
        self._scorer = LinearTextScorer(pipeline)

    @property
    def intents(self) -> tuple[str, ...]:
        """The labels the model can predict, sorted."""
        return self._scorer.classes

    def predict(self, text: str) -> Prediction:
        """Classify one message (about a tenth of a millisecond)."""
        probabilities = self._scorer.probabilities(text)
        best = int(np.argmax(probabilities))
        return Prediction(self._scorer.classes[best], float(probabilities[best]))

    def predict_many(self, texts: Sequence[str]) -> list[Prediction]:
        """Classify several messages."""
        return [self.predict(text) for text in texts]

    def accuracy(self, examples: Sequence[Example]) -> float:
        """Share of ``examples`` whose predicted intent equals their label."""
        if not examples:
            raise ValueError("accuracy needs at least one example")
        predictions = self.predict_many([e.text for e in examples])
        hits = sum(p.intent == e.intent for p, e in zip(predictions, examples, strict=True))
        return hits / len(examples)


def _baseline() -> Pipeline:
    return make_pipeline(
        TfidfVectorizer(dtype=np.float32),
        LogisticRegression(solver="saga", max_iter=200, random_state=0),
    )


def _word_and_char_ngrams() -> Pipeline:
    return make_pipeline(
        make_union(
            TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, dtype=np.float32),
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True, dtype=np.float32
            ),
        ),
        SGDClassifier(loss="log_loss", alpha=2e-5, max_iter=8, tol=None, random_state=0),
    )


VERSION_SPECS: Mapping[str, VersionSpec] = MappingProxyType(
    {
        "v1": VersionSpec("v1", "baseline: word unigrams + logistic regression", _baseline),
        "v2": VersionSpec("v2", "word 1-2 + char 2-4 grams, tuned", _word_and_char_ngrams),
        "v3": VersionSpec(
            "v3",
            f"bad: v2 retrained, {CORRUPTED_SHARE:.0%} of labels misassigned",
            _word_and_char_ngrams,
            corrupted_share=CORRUPTED_SHARE,
        ),
    }
)


def version_spec(version: str) -> VersionSpec:
    """The specification of ``version``, or :class:`UnknownVersionError`."""
    try:
        return VERSION_SPECS[version]
    except KeyError:
        raise UnknownVersionError(version) from None


def corrupt_labels(labels: Sequence[str], share: float, seed: int) -> list[str]:
    """Shuffle the labels of a random ``share`` of rows among themselves (the v3 pipeline bug)."""
    rng = random.Random(seed)
    corrupted = list(labels)
    rows = [i for i in range(len(corrupted)) if rng.random() < share]
    moved = [corrupted[i] for i in rows]
    rng.shuffle(moved)
    for row, label in zip(rows, moved, strict=True):
        corrupted[row] = label
    return corrupted


def load_dataset() -> list[Example]:
    """Every labelled example of the shipped data set (train and test splits)."""
    return read_examples()


def heldout_messages() -> list[Example]:
    """The test split: messages no model has seen, used for evaluation and demo traffic."""
    return [e for e in load_dataset() if e.split == "test"]


def golden_set() -> list[GoldenCase]:
    """Hand-written prompts with the intent any acceptable release must return."""
    return read_golden()


def train(version: str, examples: Sequence[Example] | None = None) -> IntentModel:
    """Train ``version`` on the train split of ``examples`` (default: the shipped data set)."""
    spec = version_spec(version)
    rows = [e for e in (load_dataset() if examples is None else examples) if e.split == "train"]
    texts = [e.text for e in rows]
    labels = [e.intent for e in rows]
    if spec.corrupted_share:
        labels = corrupt_labels(labels, spec.corrupted_share, _CORRUPTION_SEED)
    started = time.perf_counter()
    pipeline = spec.build()
    pipeline.fit(texts, labels)
    return IntentModel(version, pipeline, time.perf_counter() - started)


def report(versions: Sequence[str] = VERSIONS) -> list[VersionReport]:
    """Train each version and measure it on the held-out split and the golden prompts."""
    examples = load_dataset()
    test = [e for e in examples if e.split == "test"]
    golden = [Example(c.text, c.expected_intent, "golden") for c in golden_set()]
    reports = []
    for version in versions:
        model = train(version, examples)
        reports.append(
            VersionReport(
                version=version,
                description=version_spec(version).description,
                heldout_accuracy=model.accuracy(test),
                golden_accuracy=model.accuracy(golden),
                train_seconds=model.train_seconds,
                test_examples=len(test),
            )
        )
    return reports


def evaluate(versions: Sequence[str] = VERSIONS) -> dict[str, float]:
    """Held-out accuracy per version."""
    return {r.version: r.heldout_accuracy for r in report(versions)}
