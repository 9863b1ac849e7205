"""The three releases: accuracy ordering, predictions, the v3 label bug and training time."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping

import pytest

from lockgate import example
from lockgate.example.dataset import Example
from lockgate.example.model import (
    VERSIONS,
    IntentModel,
    UnknownVersionError,
    corrupt_labels,
    evaluate,
    golden_set,
    heldout_messages,
    train,
)


@pytest.fixture(scope="module")
def accuracy() -> dict[str, float]:
    """Held-out accuracy per release, as the public evaluate() reports it."""
    return evaluate()


def test_evaluate_reports_every_version(accuracy: dict[str, float]) -> None:
    """evaluate() returns one accuracy in [0, 1] per release."""
    assert set(accuracy) == set(VERSIONS)
    assert all(0.0 <= value <= 1.0 for value in accuracy.values())


def test_v2_beats_v1_by_at_least_two_points(accuracy: dict[str, float]) -> None:
    """The better release is measurably better than the baseline."""
    assert accuracy["v2"] - accuracy["v1"] >= 0.02


def test_v3_is_at_least_ten_points_below_v1(accuracy: dict[str, float]) -> None:
    """The bad release is clearly worse than the baseline."""
    assert accuracy["v1"] - accuracy["v3"] >= 0.10


def test_baseline_is_a_usable_model(accuracy: dict[str, float]) -> None:
    """Even the baseline is far above chance (1/16) on held-out messages."""
    assert accuracy["v1"] >= 0.85


def test_evaluate_matches_the_models_own_accuracy(
    models: Mapping[str, IntentModel], accuracy: dict[str, float]
) -> None:
    """Training is deterministic: a second training scores exactly the same."""
    test = heldout_messages()
    for version, model in models.items():
        assert model.accuracy(test) == pytest.approx(accuracy[version])


def test_predict_returns_a_known_intent_and_a_probability(
    models: Mapping[str, IntentModel],
) -> None:
    """Predictions name one of the trained intents with a confidence in (0, 1]."""
    model = models["v2"]
    prediction = model.predict("has my order shipped yet? i need the tracking number")
    assert prediction.intent == "order_status"
    assert prediction.intent in model.intents
    assert 0.0 < prediction.confidence <= 1.0


def test_predict_many_agrees_with_predict(models: Mapping[str, IntentModel]) -> None:
    """Batch and single predictions are the same."""
    texts = [e.text for e in heldout_messages()[:25]]
    model = models["v1"]
    batch = model.predict_many(texts)
    assert batch == [model.predict(t) for t in texts]
    assert model.predict_many([]) == []


@pytest.mark.parametrize("version", ["v1", "v2"])
def test_good_releases_pass_the_golden_set(models: Mapping[str, IntentModel], version: str) -> None:
    """The acceptable releases answer at least 95% of the golden prompts correctly."""
    cases = [Example(c.text, c.expected_intent, "golden") for c in golden_set()]
    assert models[version].accuracy(cases) >= 0.95


def test_bad_release_is_less_confident(models: Mapping[str, IntentModel]) -> None:
    """The v3 label bug shows up as lower confidence than v2 on the same traffic."""
    texts = [e.text for e in heldout_messages()]
    v2 = sum(p.confidence for p in models["v2"].predict_many(texts))
    v3 = sum(p.confidence for p in models["v3"].predict_many(texts))
    assert v3 < v2


def test_corrupt_labels_reassigns_about_the_share() -> None:
    """The v3 bug moves labels of about `share` of rows and keeps the label counts."""
    labels = [f"intent{i % 16}" for i in range(4000)]
    corrupted = corrupt_labels(labels, 0.4, seed=3)
    changed = sum(a != b for a, b in zip(labels, corrupted, strict=True)) / len(labels)
    assert Counter(corrupted) == Counter(labels)
    assert 0.4 * (15 / 16) - 0.04 <= changed <= 0.4 * (15 / 16) + 0.04
    assert corrupt_labels(labels, 0.4, seed=3) == corrupted
    assert corrupt_labels(labels, 0.0, seed=3) == labels


def test_training_takes_under_two_seconds() -> None:
    """Each release trains from scratch in under 2 s of CPU time."""
    for version in VERSIONS:
        started = time.process_time()
        model = train(version)
        assert time.process_time() - started < 2.0, version
        assert model.train_seconds > 0


def test_train_on_custom_examples_uses_only_the_train_split() -> None:
    """train() accepts other data and learns only from rows marked 'train'."""
    rows = [Example(f"{word} please", word, "train") for word in ("refund", "cancel")] * 10
    rows.append(Example("complaint please", "complaint", "test"))
    model = train("v1", rows)
    assert model.intents == ("cancel", "refund")


def test_unknown_version_is_refused() -> None:
    """An unknown release name raises an error that lists the valid ones."""
    with pytest.raises(UnknownVersionError, match="v1, v2, v3"):
        train("v9")


def test_accuracy_needs_examples(models: Mapping[str, IntentModel]) -> None:
    """Accuracy of nothing is an error, not a division by zero."""
    with pytest.raises(ValueError, match="at least one"):
        models["v1"].accuracy([])


def test_package_exports_the_public_api() -> None:
    """The package re-exports the model API lazily, and rejects unknown names."""
    assert example.train is train
    assert len(set(example.__all__)) == len(example.__all__)
    for name in example.__all__:
        assert getattr(example, name) is not None
    with pytest.raises(AttributeError):
        _ = example.nonexistent  # type: ignore[attr-defined]
