"""Small helpers shared by the detector tests."""

from __future__ import annotations

from lockgate.privacy import Entity
from lockgate.privacy.protocols import Detector


def found(detector: Detector, text: str, *, min_score: float = 0.5) -> list[str]:
    """The values ``detector`` reports at or above ``min_score``, in order."""
    return [entity_text(text, e) for e in detector.detect(text) if e.score >= min_score]


def entity_text(text: str, entity: Entity) -> str:
    """The slice of ``text`` the entity covers."""
    return text[entity.start : entity.end]
