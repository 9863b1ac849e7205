"""A detected piece of personal data and the rule that settles overlapping detections."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entity:
    """A span ``[start, end)`` of the original text holding one entity type.

    ``text`` is the matched value; it is left out of ``repr`` so an entity in a log line or a
    traceback never leaks the value it points at.
    """

    type: str
    start: int
    end: int
    score: float
    text: str | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end:
            raise ValueError(
                f"entity span must satisfy 0 <= start < end, got {self.start}..{self.end}"
            )
        if not 0.0 <= self.score <= 1.0:
            raise ValueError(f"entity score must be within [0, 1], got {self.score}")

    @property
    def length(self) -> int:
        """Number of characters the entity covers."""
        return self.end - self.start

    def overlaps(self, other: Entity) -> bool:
        """Whether the two spans share at least one character."""
        return self.start < other.end and other.start < self.end


def _priority(entity: Entity) -> tuple[float, int, int, str]:
    return (-entity.score, -entity.length, entity.start, entity.type)


def resolve_overlaps(entities: Iterable[Entity]) -> tuple[Entity, ...]:
    """Keep a set of non-overlapping entities, sorted by start.

    Greedy and deterministic: higher score wins, then the longer span, then the earlier start,
    then the entity type's name. Exact duplicates collapse to one.
    """
    kept: list[Entity] = []
    for candidate in sorted(set(entities), key=_priority):
        if not any(candidate.overlaps(chosen) for chosen in kept):
            kept.append(candidate)
    kept.sort(key=lambda entity: (entity.start, entity.end))
    return tuple(kept)
