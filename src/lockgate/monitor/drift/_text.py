"""Text profile: hashed token counts and per-message presence in a fixed number of buckets.

Each token (lower-cased word, optionally also each adjacent pair) is hashed with CRC-32 into one of
``buckets`` buckets. Two counts are kept per bucket:

* ``tokens``: how many tokens fell in it (the token distribution, for the effect size);
* ``messages``: how many messages had at least one token in it (for the test: messages are the
  independent units, tokens of one message are not).

Memory is ``2 * buckets`` integers whatever the number of messages.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Sequence
from itertools import pairwise
from typing import Any

from lockgate.errors import ConfigError

_TOKEN = re.compile(r"\w+", re.UNICODE)


class TextProfile:
    """Hashed token and message-presence counts for one text column."""

    __slots__ = ("bigrams", "buckets", "messages", "missing", "presence", "tokens")

    def __init__(
        self,
        buckets: int,
        *,
        bigrams: bool = False,
        tokens: Sequence[int] | None = None,
        presence: Sequence[int] | None = None,
        messages: int = 0,
        missing: int = 0,
    ) -> None:
        if buckets < 2:
            raise ConfigError("a text profile needs at least 2 buckets")
        self.buckets = int(buckets)
        self.bigrams = bigrams
        self.tokens: list[int] = [0] * buckets if tokens is None else [int(t) for t in tokens]
        self.presence: list[int] = [0] * buckets if presence is None else [int(p) for p in presence]
        if len(self.tokens) != buckets or len(self.presence) != buckets:
            raise ConfigError(f"a text profile needs {buckets} token and presence counts")
        self.messages = int(messages)
        self.missing = int(missing)

    @property
    def total(self) -> int:
        """Messages counted (missing ones excluded)."""
        return self.messages

    def empty_like(self) -> TextProfile:
        """A profile with the same hashing and no counts."""
        return TextProfile(self.buckets, bigrams=self.bigrams)

    def bucket_ids(self, text: str) -> list[int]:
        """The bucket of every token (and pair) of ``text``, in order."""
        words = _TOKEN.findall(text.lower())
        b = self.buckets
        crc = zlib.crc32
        ids = [crc(w.encode()) % b for w in words]
        if self.bigrams and len(words) > 1:
            ids.extend(crc(f"{x} {y}".encode()) % b for x, y in pairwise(words))
        return ids

    def update(self, value: Any) -> None:
        """Count one message; anything but a string counts as missing."""
        if type(value) is not str:
            self.missing += 1
            return
        ids = self.bucket_ids(value)
        tokens, presence = self.tokens, self.presence
        for i in ids:
            tokens[i] += 1
        for i in set(ids):
            presence[i] += 1
        self.messages += 1

    def update_many(self, values: Iterable[Any]) -> None:
        """Count many messages."""
        for v in values:
            self.update(v)

    def merge(self, other: TextProfile) -> TextProfile:
        """Both samples' counts; the hashing must be the same."""
        if (other.buckets, other.bigrams) != (self.buckets, self.bigrams):
            raise ConfigError("cannot merge text profiles with different buckets or bigrams")
        return TextProfile(
            self.buckets,
            bigrams=self.bigrams,
            tokens=[a + b for a, b in zip(self.tokens, other.tokens, strict=True)],
            presence=[a + b for a, b in zip(self.presence, other.presence, strict=True)],
            messages=self.messages + other.messages,
            missing=self.missing + other.missing,
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready description."""
        return {
            "kind": "text",
            "hash": "crc32",
            "buckets": self.buckets,
            "bigrams": self.bigrams,
            "tokens": list(self.tokens),
            "presence": list(self.presence),
            "messages": self.messages,
            "missing": self.missing,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TextProfile:
        """The profile described by :meth:`to_dict`."""
        if data.get("hash", "crc32") != "crc32":
            raise ConfigError(f"unknown text hash {data['hash']!r}; rebuild the reference")
        return cls(
            data["buckets"],
            bigrams=bool(data.get("bigrams", False)),
            tokens=data["tokens"],
            presence=data["presence"],
            messages=data["messages"],
            missing=data.get("missing", 0),
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TextProfile):
            return NotImplemented
        return self.to_dict() == other.to_dict()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TextProfile(buckets={self.buckets}, messages={self.messages})"
