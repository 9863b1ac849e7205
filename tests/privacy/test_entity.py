"""Entity invariants and overlap resolution."""

from __future__ import annotations

import pytest

from lockgate.privacy import Entity, resolve_overlaps


def test_entity_rejects_empty_or_negative_spans() -> None:
    """A span must be non-empty and start at or after zero."""
    with pytest.raises(ValueError, match="start < end"):
        Entity("EMAIL", 5, 5, 0.9)
    with pytest.raises(ValueError, match="start < end"):
        Entity("EMAIL", -1, 3, 0.9)


def test_entity_rejects_scores_outside_unit_interval() -> None:
    """Scores are probabilities-like values in [0, 1]."""
    with pytest.raises(ValueError, match="score"):
        Entity("EMAIL", 0, 3, 1.5)


def test_entity_repr_never_shows_the_value() -> None:
    """The matched text stays out of repr so logs and tracebacks do not leak it."""
    entity = Entity("EMAIL", 0, 7, 0.9, "a@b.com")
    assert "a@b.com" not in repr(entity)
    assert entity.text == "a@b.com"


def test_higher_score_wins_an_overlap() -> None:
    """Of two overlapping entities, the higher score is kept."""
    weak, strong = Entity("PHONE", 0, 10, 0.6), Entity("CREDIT_CARD", 2, 12, 0.9)
    assert resolve_overlaps([weak, strong]) == (strong,)


def test_longer_span_breaks_a_score_tie() -> None:
    """With equal scores the longer span is kept."""
    short, long_ = Entity("A", 0, 4, 0.8), Entity("B", 2, 10, 0.8)
    assert resolve_overlaps([short, long_]) == (long_,)


def test_resolution_is_order_independent_and_sorted() -> None:
    """Input order does not change the outcome; output is sorted by start."""
    entities = [
        Entity("A", 10, 20, 0.7),
        Entity("B", 0, 5, 0.9),
        Entity("C", 15, 25, 0.7),
        Entity("D", 5, 10, 0.5),
    ]
    first = resolve_overlaps(entities)
    assert first == resolve_overlaps(reversed(entities))
    assert [entity.type for entity in first] == ["B", "D", "A"]


def test_adjacent_entities_do_not_overlap() -> None:
    """Touching spans ``[0, 5)`` and ``[5, 9)`` are both kept."""
    left, right = Entity("A", 0, 5, 0.9), Entity("B", 5, 9, 0.9)
    assert not left.overlaps(right)
    assert resolve_overlaps([right, left]) == (left, right)
