"""Categorical profile: a count per category, and an ``__other__`` bucket beyond a cap.

While a reference is built the profile learns categories first-come up to ``cap``; later new
categories are counted in ``__other__``. :meth:`CategoricalProfile.top` then keeps the most frequent
ones. A window profile is *frozen* to the reference's categories: anything else is ``__other__``, so
its memory is the reference's category count plus one, whatever the traffic sends.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from lockgate.errors import ConfigError

OTHER = "__other__"
MISSING = "__missing__"


def category_of(value: Any) -> str:
    """The category name of a raw value; ``None`` is ``__missing__``."""
    if type(value) is str:
        return value
    if value is None:
        return MISSING
    return str(value)


class CategoricalProfile:
    """Exact counts for up to ``cap`` categories plus an ``__other__`` count."""

    __slots__ = ("cap", "categories", "counts", "frozen", "index", "other")

    def __init__(
        self,
        cap: int,
        categories: Sequence[str] = (),
        counts: Sequence[int] | None = None,
        other: int = 0,
        *,
        frozen: bool = False,
    ) -> None:
        if cap < 1:
            raise ConfigError("a categorical profile needs a cap of at least 1")
        self.cap = int(cap)
        self.categories: list[str] = list(categories)
        self.index: dict[str, int] = {c: i for i, c in enumerate(self.categories)}
        if len(self.index) != len(self.categories) or OTHER in self.index:
            raise ConfigError("categories must be distinct and must not be named __other__")
        self.counts: list[int] = (
            [0] * len(self.categories) if counts is None else [int(c) for c in counts]
        )
        if len(self.counts) != len(self.categories) or len(self.categories) > self.cap:
            raise ConfigError("a categorical profile needs one count per category, within its cap")
        self.other = int(other)
        self.frozen = frozen

    @property
    def total(self) -> int:
        """Values counted, ``__other__`` included."""
        return sum(self.counts) + self.other

    def empty_like(self) -> CategoricalProfile:
        """A frozen profile over the same categories with no counts (a window profile)."""
        return CategoricalProfile(self.cap, self.categories, frozen=True)

    def update(self, value: Any) -> None:
        """Count one value."""
        name = value if type(value) is str else category_of(value)
        i = self.index.get(name)
        if i is not None:
            self.counts[i] += 1
        elif self.frozen or len(self.categories) >= self.cap:
            self.other += 1
        else:
            self.index[name] = len(self.categories)
            self.categories.append(name)
            self.counts.append(1)

    def update_many(self, values: Iterable[Any]) -> None:
        """Count many values; fast for a frozen profile."""
        if not self.frozen:
            for v in values:
                self.update(v)
            return
        get = self.index.get
        unknown = len(self.categories)
        idx = [get(v if type(v) is str else category_of(v), unknown) for v in values]
        binned = np.bincount(np.asarray(idx, dtype=np.intp), minlength=unknown + 1).tolist()
        self.counts = [c + b for c, b in zip(self.counts, binned[:unknown], strict=True)]
        self.other += binned[unknown]

    def count_of(self, name: str) -> int:
        """The count of one category (``__other__`` included)."""
        if name == OTHER:
            return self.other
        i = self.index.get(name)
        return 0 if i is None else self.counts[i]

    def top(self, k: int) -> CategoricalProfile:
        """The ``k`` most frequent categories (ties by name); the rest pooled into ``__other__``."""
        order = sorted(
            range(len(self.categories)), key=lambda i: (-self.counts[i], self.categories[i])
        )
        keep, fold = order[:k], order[k:]
        return CategoricalProfile(
            max(k, 1),
            [self.categories[i] for i in keep],
            [self.counts[i] for i in keep],
            self.other + sum(self.counts[i] for i in fold),
            frozen=self.frozen,
        )

    def merge(self, other: CategoricalProfile) -> CategoricalProfile:
        """Both samples' counts; beyond the cap the least frequent categories are pooled."""
        merged: dict[str, int] = dict(zip(self.categories, self.counts, strict=True))
        for name, count in zip(other.categories, other.counts, strict=True):
            merged[name] = merged.get(name, 0) + count
        union = CategoricalProfile(
            max(len(merged), 1), list(merged), list(merged.values()), self.other + other.other
        )
        result = union.top(self.cap)
        result.cap = self.cap
        result.frozen = self.frozen and other.frozen
        return result

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "kind": "categorical",
            "cap": self.cap,
            "categories": list(self.categories),
            "counts": list(self.counts),
            "other": self.other,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CategoricalProfile:
        """The profile described by :meth:`to_dict`."""
        return cls(data["cap"], data["categories"], data["counts"], data.get("other", 0))

    def as_mapping(self) -> dict[str, int]:
        """Counts by category name, ``__other__`` included when non-zero."""
        out = dict(zip(self.categories, self.counts, strict=True))
        if self.other:
            out[OTHER] = self.other
        return out

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CategoricalProfile):
            return NotImplemented
        return self.as_mapping() == other.as_mapping()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"CategoricalProfile(categories={len(self.categories)}, total={self.total})"
