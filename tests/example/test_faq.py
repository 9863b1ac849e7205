"""FAQ answers: one per intent, and a clarifying question when the model is unsure."""

from __future__ import annotations

from lockgate.example import faq
from lockgate.example._intents import INTENTS


def test_every_intent_has_its_own_answer() -> None:
    """Each intent maps to a distinct answer of a few sentences."""
    assert set(faq.ANSWERS) == set(INTENTS)
    answers = list(faq.ANSWERS.values())
    assert len(set(answers)) == len(answers)
    assert all(answer.count(". ") >= 1 and len(answer) > 120 for answer in answers)


def test_confident_prediction_gets_the_intent_answer() -> None:
    """At or above the threshold the intent's answer is returned."""
    assert faq.answer("refund", faq.CLARIFY_BELOW) == faq.ANSWERS["refund"]
    assert faq.answer("refund", 0.99) == faq.ANSWERS["refund"]


def test_low_confidence_asks_to_clarify() -> None:
    """Below the threshold the assistant asks a clarifying question."""
    assert faq.answer("refund", faq.CLARIFY_BELOW - 0.01) == faq.CLARIFYING_ANSWER
    assert faq.CLARIFYING_ANSWER.rstrip().endswith(".")
    assert "?" in faq.CLARIFYING_ANSWER


def test_unknown_intent_asks_to_clarify() -> None:
    """An intent without an answer falls back to the clarifying question."""
    assert faq.answer("teleportation", 0.99) == faq.CLARIFYING_ANSWER
