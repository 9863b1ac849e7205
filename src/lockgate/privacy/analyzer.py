"""The analyzer runs a configured set of detectors plus per-service allow- and deny-lists."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from lockgate.privacy.detectors import default_detectors
from lockgate.privacy.entity import Entity, resolve_overlaps
from lockgate.privacy.protocols import Detector

DENY_SCORE = 1.0
DENY_TYPE = "DENY"
_SEPARATORS = re.compile(r"[\s\-().]")


def normalize_value(value: str) -> str:
    """The form allow-list entries are compared in: case-folded, phone punctuation removed."""
    folded = value.strip().casefold()
    return folded if "@" in folded else _SEPARATORS.sub("", folded)


def _deny_pattern(deny: Mapping[str, str]) -> re.Pattern[str] | None:
    values = sorted((value for value in deny if value.strip()), key=lambda v: (-len(v), v))
    if not values:
        return None
    parts = []
    for value in values:
        left = r"(?<!\w)" if value[0].isalnum() or value[0] == "_" else ""
        right = r"(?!\w)" if value[-1].isalnum() or value[-1] == "_" else ""
        parts.append(f"{left}{re.escape(value)}{right}")
    return re.compile("|".join(parts), re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Analyzer:
    """Runs ``detectors`` and returns non-overlapping entities scoring at least ``min_score``.

    ``allow`` values are never reported (compared after ``normalize_value``), e.g. the company's
    own support address. ``deny`` maps values that are always reported to their entity type,
    e.g. ``{"Project Falcon": "CODENAME"}``; they match case-insensitively on word boundaries.
    """

    detectors: tuple[Detector, ...]
    allow: frozenset[str] = frozenset()
    deny: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    min_score: float = 0.5
    _deny: re.Pattern[str] | None = field(init=False, repr=False, compare=False)
    _deny_types: Mapping[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_score <= 1.0:
            raise ValueError(f"min_score must be within [0, 1], got {self.min_score}")
        allow = frozenset(normalize_value(value) for value in self.allow)
        deny = MappingProxyType(dict(self.deny))
        object.__setattr__(self, "allow", allow)
        object.__setattr__(self, "deny", deny)
        object.__setattr__(self, "_deny", _deny_pattern(deny))
        object.__setattr__(
            self, "_deny_types", MappingProxyType({k.casefold(): v for k, v in deny.items()})
        )

    @classmethod
    def default(
        cls,
        *,
        phone_regions: tuple[str, ...] = ("US",),
        allow: Iterable[str] = (),
        deny: Mapping[str, str] | None = None,
        min_score: float = 0.5,
    ) -> Analyzer:
        """The structured detectors with the given lists."""
        return cls(
            default_detectors(phone_regions),
            allow=frozenset(allow),
            deny=MappingProxyType(dict(deny or {})),
            min_score=min_score,
        )

    def scoped(
        self, *, allow: Iterable[str] = (), deny: Mapping[str, str] | None = None
    ) -> Analyzer:
        """A copy for one service: its allow- and deny-lists added to this analyzer's."""
        return Analyzer(
            self.detectors,
            allow=self.allow | frozenset(allow),
            deny=MappingProxyType({**self.deny, **(deny or {})}),
            min_score=self.min_score,
        )

    def candidates(self, text: str) -> list[Entity]:
        """Every raw detection, before the allow-list, the threshold and overlap resolution."""
        return [*self._detected(text), *self._denied(text)]

    def analyze(self, text: str) -> tuple[Entity, ...]:
        """Entities to act on: allowed values dropped, weak ones dropped, overlaps resolved."""
        kept = [
            entity
            for entity in self._detected(text)
            if entity.score >= self.min_score and not self._allowed(text, entity)
        ]
        return resolve_overlaps([*kept, *self._denied(text)])

    def _detected(self, text: str) -> list[Entity]:
        found: list[Entity] = []
        for detector in self.detectors:
            if detector.prefilter.search(text) is not None:
                found.extend(detector.detect(text))
        return found

    def _denied(self, text: str) -> list[Entity]:
        if self._deny is None:
            return []
        return [
            Entity(
                self._deny_types.get(match.group().casefold(), DENY_TYPE),
                *match.span(),
                DENY_SCORE,
                match.group(),
            )
            for match in self._deny.finditer(text)
        ]

    def _allowed(self, text: str, entity: Entity) -> bool:
        return bool(self.allow) and normalize_value(text[entity.start : entity.end]) in self.allow


@functools.cache
def default_analyzer() -> Analyzer:
    """The shared default analyzer (immutable, built once)."""
    return Analyzer.default()
