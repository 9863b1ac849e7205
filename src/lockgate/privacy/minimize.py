"""Data minimization: personal data in chat messages swapped for placeholders, then restored.

``Minimizer.minimize`` replaces each detected value in the messages' texts with a placeholder
such as ``<EMAIL_1>``; the same value always gets the same placeholder within one request, and
a placeholder that already occurs anywhere in the messages is never handed out, so restoring
cannot turn the user's own text into someone's data. ``restore`` puts the values back into an
answer; ``StreamRestorer`` does the same for text that arrives in pieces.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import orjson

from lockgate.manifest.governance import PayloadPrivacy
from lockgate.privacy.analyzer import Analyzer

MINIMIZED_ROLES = frozenset({"system", "developer", "user", "assistant", "tool"})
"""Every role with text: answers come back restored, so the next turn's history carries values."""

PLACEHOLDER = re.compile(r"<[A-Z0-9_]+>")
_LABEL_UNSAFE = re.compile(r"[^A-Z0-9]+")

Restoration = Mapping[str, str]
"""Placeholder -> original value, for one request."""


def _label(entity_type: str) -> str:
    """The entity type as it appears in a placeholder: upper case letters, digits and ``_``."""
    return _LABEL_UNSAFE.sub("_", entity_type.upper()).strip("_") or "PII"


class _Allocator:
    """Hands out placeholders for one request: one per distinct value, never one in ``taken``."""

    def __init__(self, taken: str) -> None:
        self._taken = taken
        self._by_value: dict[str, str] = {}
        self._counts: dict[str, int] = {}
        self.mapping: dict[str, str] = {}

    def placeholder(self, entity_type: str, value: str) -> str:
        known = self._by_value.get(value)
        if known is not None:
            return known
        label = _label(entity_type)
        count = self._counts.get(label, 0)
        while True:
            count += 1
            candidate = f"<{label}_{count}>"
            if candidate not in self._taken:
                break
        self._counts[label] = count
        self._by_value[value] = candidate
        self.mapping[candidate] = value
        return candidate


@dataclass(frozen=True, slots=True)
class Minimizer:
    """Replaces personal data in chat messages with placeholders the answer can be restored from.

    Only the ``content`` of messages whose role is in ``roles`` is touched: a string, or the
    ``text`` of OpenAI content parts. Every other field is copied as it is.
    """

    analyzer: Analyzer
    roles: frozenset[str] = MINIMIZED_ROLES

    def minimize_text(self, text: str, allocator: _Allocator) -> str:
        """``text`` with every detected entity replaced by its placeholder."""
        entities = self.analyzer.analyze(text)
        if not entities:
            return text
        pieces: list[str] = []
        cursor = 0
        for entity in entities:
            pieces.append(text[cursor : entity.start])
            pieces.append(allocator.placeholder(entity.type, text[entity.start : entity.end]))
            cursor = entity.end
        pieces.append(text[cursor:])
        return "".join(pieces)

    def minimize(self, messages: Sequence[Any]) -> tuple[list[Any], Restoration]:
        """A copy of ``messages`` with placeholders, and the mapping that restores them."""
        allocator = _Allocator("\x00".join(_texts(messages)))
        out: list[Any] = []
        for message in messages:
            if not isinstance(message, dict) or message.get("role") not in self.roles:
                out.append(message)
                continue
            content = message.get("content")
            if isinstance(content, str):
                out.append({**message, "content": self.minimize_text(content, allocator)})
            elif isinstance(content, list):
                parts = [self._part(part, allocator) for part in content]
                out.append({**message, "content": parts})
            else:
                out.append(message)
        return out, MappingProxyType(allocator.mapping)

    def _part(self, part: Any, allocator: _Allocator) -> Any:
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            return {**part, "text": self.minimize_text(part["text"], allocator)}
        return part


def minimize_payload(
    payload: dict[str, Any], body: bytes, privacy: PayloadPrivacy
) -> tuple[dict[str, Any], bytes, Restoration]:
    """A chat request's payload and body with its messages minimized per ``privacy``.

    ``payload`` and ``body`` come back as they were when no personal data is found.
    """
    analyzer = Analyzer.default(
        phone_regions=tuple(privacy.phone_regions), allow=privacy.allow, deny=privacy.deny
    )
    messages, mapping = Minimizer(analyzer).minimize(payload.get("messages") or ())
    if not mapping:
        return payload, body, mapping
    minimized = {**payload, "messages": messages}
    return minimized, orjson.dumps(minimized), mapping


def _texts(messages: Iterable[Any]) -> Iterable[str]:
    """Every string inside ``messages``, at any depth, so no placeholder collides with one."""
    for message in messages:
        if isinstance(message, str):
            yield message
        elif isinstance(message, dict):
            yield from _texts(message.values())
        elif isinstance(message, list):
            yield from _texts(message)


def restore(text: str, mapping: Restoration) -> str:
    """``text`` with every placeholder of ``mapping`` replaced by its value; others left alone."""
    if not mapping or "<" not in text:
        return text
    return PLACEHOLDER.sub(lambda match: mapping.get(match.group(), match.group()), text)


def restore_completion(body: bytes, mapping: Restoration) -> bytes:
    """A chat completion's JSON with ``choices[*].message.content`` restored.

    A body that is not a JSON object, or holds no placeholder, is returned unchanged.
    """
    try:
        reply = orjson.loads(body)
    except orjson.JSONDecodeError:
        return body
    choices = reply.get("choices") if isinstance(reply, dict) else None
    if not isinstance(choices, list):
        return body
    changed = False
    for choice in choices:
        message = choice.get("message") if isinstance(choice, dict) else None
        content = message.get("content") if isinstance(message, dict) else None
        if isinstance(message, dict) and isinstance(content, str):
            restored = restore(content, mapping)
            if restored != content:
                message["content"] = restored
                changed = True
    return orjson.dumps(reply) if changed else body


class StreamRestorer:
    """Restores placeholders in text that arrives in pieces, a placeholder possibly split.

    ``feed`` returns what can be shown now; a trailing piece that could still grow into a
    placeholder is held back (at most one placeholder's length) until the next piece or
    ``flush``.
    """

    __slots__ = ("_mapping", "_pending", "_prefixes")

    def __init__(self, mapping: Restoration) -> None:
        self._mapping = mapping
        self._prefixes = frozenset(p[:i] for p in mapping for i in range(1, len(p)))
        self._pending = ""

    def feed(self, piece: str) -> str:
        """The restored text that is final once ``piece`` is added."""
        text = self._pending + piece
        start = text.rfind("<")
        if start >= 0 and text[start:] in self._prefixes:
            self._pending = text[start:]
            text = text[:start]
        else:
            self._pending = ""
        return restore(text, self._mapping)

    def flush(self) -> str:
        """Whatever was held back: the stream ended, so it was not a placeholder."""
        rest, self._pending = self._pending, ""
        return rest
