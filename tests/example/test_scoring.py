"""The fast scorer gives the same probabilities as scikit-learn's predict_proba."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pytest
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.svm import LinearSVC

from lockgate.example.model import IntentModel, heldout_messages
from lockgate.example.scoring import LinearTextScorer

TEXTS = ["refund please", "cancel my order", "refund my money", "please cancel it now"] * 5
LABELS = ["refund", "cancel", "refund", "cancel"] * 5


@pytest.mark.parametrize("version", ["v1", "v2", "v3"])
def test_matches_predict_proba_on_heldout_messages(
    models: Mapping[str, IntentModel], version: str
) -> None:
    """On every held-out message the probabilities agree to 1e-5 and so does the argmax."""
    texts = [e.text for e in heldout_messages()] + ["", "zzzz qqqq", "!!!"]
    pipeline = models[version].pipeline
    expected = pipeline.predict_proba(texts)
    scorer = LinearTextScorer(pipeline)
    actual = np.array([scorer.probabilities(t) for t in texts])
    assert scorer.classes == tuple(pipeline.classes_)
    np.testing.assert_allclose(actual, expected, atol=1e-5)
    assert (actual.argmax(axis=1) == expected.argmax(axis=1)).all()


@pytest.mark.parametrize(
    "classifier",
    [
        LogisticRegression(),
        SGDClassifier(loss="log_loss", max_iter=20, tol=None, random_state=0),
    ],
)
def test_binary_pipelines_are_scored_like_sklearn(classifier: object) -> None:
    """Two-class models (a single coefficient row) give both class probabilities."""
    pipeline = make_pipeline(TfidfVectorizer(sublinear_tf=True), classifier).fit(TEXTS, LABELS)
    scorer = LinearTextScorer(pipeline)
    for text in ["refund", "cancel now", "unknown words"]:
        np.testing.assert_allclose(
            scorer.probabilities(text), pipeline.predict_proba([text])[0], atol=1e-9
        )


def test_unsupported_pipelines_are_refused() -> None:
    """Classifiers without probabilities and non-TF-IDF features raise TypeError."""
    svc = make_pipeline(TfidfVectorizer(), LinearSVC()).fit(TEXTS, LABELS)
    with pytest.raises(TypeError, match="LinearSVC"):
        LinearTextScorer(svc)
    counts = make_pipeline(CountVectorizer(), LogisticRegression()).fit(TEXTS, LABELS)
    with pytest.raises(TypeError, match="TfidfVectorizer"):
        LinearTextScorer(counts)
