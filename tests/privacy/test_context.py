"""Context words around a candidate."""

from __future__ import annotations

from lockgate.privacy.context import Context

CONTEXT = Context.of(boost=("card",), penalty=("order",), boost_by=0.1, penalty_by=0.3)


def test_boost_word_before_raises_score() -> None:
    """A boost word in the window raises the score."""
    text = "card 1234"
    assert CONTEXT.adjust(text, 5, 9, 0.5) == 0.6


def test_nearest_word_wins() -> None:
    """When both words appear, the closer one decides."""
    assert CONTEXT.adjust("order paid by card 1234", 19, 23, 0.5) == 0.6
    assert CONTEXT.adjust("card for order 1234", 15, 19, 0.5) == 0.2


def test_words_must_stand_alone() -> None:
    """``cardinal`` or ``reorder`` are not context words."""
    assert CONTEXT.adjust("cardinal reorder 1234", 17, 21, 0.5) == 0.5


def test_words_outside_the_window_do_not_count() -> None:
    """Only ``before`` characters are searched."""
    text = "card" + " " * 60 + "1234"
    assert CONTEXT.adjust(text, 64, 68, 0.5) == 0.5


def test_score_is_clamped() -> None:
    """Scores stay within [0, 1]."""
    assert CONTEXT.adjust("card 1", 5, 6, 0.95) == 1.0
    assert CONTEXT.adjust("order 1", 6, 7, 0.1) == 0.0


def test_context_stops_at_sentence_boundaries() -> None:
    """A word in the previous or next sentence does not count."""
    text = "Call me later. card 1234"
    assert CONTEXT.adjust(text, 20, 24, 0.5) == 0.6
    assert CONTEXT.adjust("Your card is ok. Re 1234", 20, 24, 0.5) == 0.5
    assert CONTEXT.adjust("1234. order soon", 0, 4, 0.5) == 0.5
    assert CONTEXT.adjust("1234 order soon", 0, 4, 0.5) == 0.2
