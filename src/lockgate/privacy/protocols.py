"""The two contracts of the privacy package: detectors find entities, operators replace them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Protocol

from lockgate.privacy.entity import Entity


class Detector(Protocol):
    """Finds entities of one or more types in a text. Pure: no I/O, no state between calls."""

    @property
    def name(self) -> str:
        """A short stable name, e.g. ``"email"``."""
        ...

    @property
    def prefilter(self) -> re.Pattern[str]:
        """A cheap pattern that must match somewhere for ``detect`` to find anything."""
        ...

    def detect(self, text: str) -> Iterator[Entity]:
        """Every candidate with its score; offsets index ``text``; overlaps are allowed."""
        ...


class Operator(Protocol):
    """Turns one detected value into its replacement."""

    def apply(self, entity: Entity, value: str) -> str:
        """The replacement for ``value`` (the text ``entity`` covers)."""
        ...
