"""Placeholders restored in a streamed chat answer, whatever the chunk boundaries.

Upstream bytes may split an SSE line anywhere and the model may split a placeholder across
events. ``SseRestorer`` keeps the incomplete last line, rewrites each complete ``data:`` event's
``choices[*].delta.content`` through one ``StreamRestorer`` per choice, and lets every other line
through as it came.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import orjson

from lockgate.privacy.minimize import Restoration, StreamRestorer

ENVELOPE = ("id", "object", "created", "model", "system_fingerprint")
"""Fields copied from the last event into the one that carries held-back text at the end."""

MAX_LINE = 1 << 20
"""A line longer than this is passed through unrestored rather than buffered further."""


class SseRestorer:
    """Rewrites a chat-completion SSE stream with ``mapping`` restored; one per stream."""

    __slots__ = ("_buffer", "_envelope", "_mapping", "_texts")

    def __init__(self, mapping: Restoration) -> None:
        self._mapping = mapping
        self._buffer = b""
        self._texts: dict[int, StreamRestorer] = {}
        self._envelope: dict[str, Any] = {}

    def feed(self, chunk: bytes) -> bytes:
        """The bytes that can be sent now; an incomplete last line waits for the next chunk."""
        *lines, rest = (self._buffer + chunk).split(b"\n")
        if len(rest) > MAX_LINE:
            lines.append(rest)
            rest = b""
            out = b"\n".join(self._line(line) for line in lines)
        else:
            out = b"".join(self._line(line) + b"\n" for line in lines)
        self._buffer = rest
        return out

    def flush(self) -> bytes:
        """The end of the stream: the last line and any text still held back."""
        rest, self._buffer = self._buffer, b""
        out = self._line(rest) if rest else b""
        event = self._held_back()
        if event:
            out += (b"\n\n" if out else b"") + event
        return out

    def _line(self, line: bytes) -> bytes:
        text = line.rstrip(b"\r")
        if not text.startswith(b"data:"):
            return line
        data = text[5:].lstrip(b" ")
        if data == b"[DONE]":
            return self._held_back() + line
        if not data.startswith(b"{"):
            return line
        try:
            event = orjson.loads(data)
        except orjson.JSONDecodeError:
            return line
        if not isinstance(event, dict) or not self._restore_event(event):
            return line
        return b"data: " + orjson.dumps(event) + line[len(text) :]

    def _restore_event(self, event: dict[str, Any]) -> bool:
        """Restore the event's deltas in place; whether it holds any content to rewrite."""
        self._envelope = {key: event[key] for key in ENVELOPE if key in event}
        choices = event.get("choices")
        if not isinstance(choices, list):
            return False
        touched = False
        for choice in choices:
            delta = choice.get("delta") if isinstance(choice, dict) else None
            if not isinstance(delta, dict):
                continue
            index = choice.get("index", 0)
            texts = self._texts.setdefault(
                index if isinstance(index, int) else 0, StreamRestorer(self._mapping)
            )
            content = delta.get("content")
            shown = texts.feed(content) if isinstance(content, str) else ""
            if choice.get("finish_reason") is not None:
                shown += texts.flush()
            if isinstance(content, str) or shown:
                delta["content"] = shown
                touched = True
        return touched

    def _held_back(self) -> bytes:
        """An event carrying every choice's held-back text, or nothing if none is held."""
        choices = []
        for index, texts in sorted(self._texts.items()):
            rest = texts.flush()
            if rest:
                choices.append({"index": index, "delta": {"content": rest}, "finish_reason": None})
        if not choices:
            return b""
        return b"data: " + orjson.dumps({**self._envelope, "choices": choices}) + b"\n\n"


async def restore_stream(
    chunks: AsyncIterator[bytes], mapping: Restoration
) -> AsyncIterator[bytes]:
    """``chunks`` of a chat-completion SSE stream with ``mapping``'s placeholders restored."""
    restorer = SseRestorer(mapping)
    async for chunk in chunks:
        out = restorer.feed(chunk)
        if out:
            yield out
    tail = restorer.flush()
    if tail:
        yield tail
