"""Minimization: placeholders out, values back in, whole or streamed in pieces."""

from __future__ import annotations

import itertools
from typing import Any, TypeVar

import orjson
from hypothesis import given
from hypothesis import strategies as st

from lockgate.manifest.governance import PayloadPrivacy
from lockgate.privacy import Analyzer
from lockgate.privacy.minimize import (
    PLACEHOLDER,
    Minimizer,
    StreamRestorer,
    minimize_payload,
    restore,
    restore_completion,
)
from lockgate.privacy.sse_restore import MAX_LINE, SseRestorer
from tests.privacy.plants import messages

MINIMIZER = Minimizer(Analyzer.default())
Message = tuple[str, list[tuple[str, str, int]]]
EMAIL = "maria.gonzalez@example.org"
PHONE = "(415) 555-2671"
Cut = TypeVar("Cut", str, bytes)
SPOOFS = ("<EMAIL_1>", "<PHONE_1>", "<CREDIT_CARD_1>", "<EMAIL_2>", "<IBAN_1>", "<US_SSN_1>")


def _user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def _pieces(text: Cut, cuts: list[int]) -> list[Cut]:
    """``text`` cut at the given offsets (taken modulo its length, sorted)."""
    points = sorted({cut % (len(text) + 1) for cut in cuts})
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


def _sse(contents: list[str], *, finish: bool = True, crlf: bool = False) -> bytes:
    """A chat-completion stream carrying ``contents`` one event each."""
    end = b"\r\n\r\n" if crlf else b"\n\n"
    events = [
        {"id": "c1", "choices": [{"index": 0, "delta": {"content": piece}}]} for piece in contents
    ]
    if finish:
        events.append({"id": "c1", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]})
    return b"".join(b"data: " + orjson.dumps(e) + end for e in events) + b"data: [DONE]" + end


def _streamed_text(raw: bytes) -> str:
    """The answer a client assembles from the stream's ``delta.content`` fields."""
    lines = raw.replace(b"\r", b"").split(b"\n")
    events = [orjson.loads(line[6:]) for line in lines if line.startswith(b"data: {")]
    return "".join(c["delta"].get("content") or "" for e in events for c in e["choices"])


@given(messages())
def test_restore_inverts_minimize(message: Message) -> None:
    """Restoring the minimized text gives the original back, and no planted value is left."""
    text, plants = message
    (minimized,), mapping = MINIMIZER.minimize([_user(text)])
    for _, value, _ in plants:
        assert value not in minimized["content"]
    assert restore(minimized["content"], mapping) == text


@given(messages(), st.lists(st.sampled_from(SPOOFS), min_size=1, max_size=4))
def test_placeholders_never_collide_with_user_text(message: Message, spoofs: list[str]) -> None:
    """Placeholder-like text the user wrote survives; handed-out placeholders avoid it."""
    text = " ".join(spoofs) + " " + message[0]
    history = [{"role": "system", "content": spoofs[-1]}, _user(text)]
    minimized, mapping = MINIMIZER.minimize(history)
    assert not set(mapping) & set(spoofs)
    assert [restore(m["content"], mapping) for m in minimized] == [spoofs[-1], text]


def test_the_same_value_gets_the_same_placeholder_across_messages() -> None:
    """One value, one placeholder per request; per-type counters number distinct values."""
    history = [
        {"role": "system", "content": f"Escalate to {EMAIL}."},
        _user(f"I am {EMAIL}, or bob@example.com, phone {PHONE}; again {EMAIL}."),
    ]
    minimized, mapping = MINIMIZER.minimize(history)
    assert minimized[0]["content"] == "Escalate to <EMAIL_1>."
    assert minimized[1]["content"] == (
        "I am <EMAIL_1>, or <EMAIL_2>, phone <PHONE_1>; again <EMAIL_1>."
    )
    assert dict(mapping) == {"<EMAIL_1>": EMAIL, "<EMAIL_2>": "bob@example.com", "<PHONE_1>": PHONE}


def test_content_parts_and_other_fields() -> None:
    """Text parts are minimized; images, other roles and other fields are copied as they are."""
    image = {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}
    history: list[Any] = [
        {"role": "user", "name": "maria", "content": [{"type": "text", "text": EMAIL}, image]},
        {"role": "function", "content": EMAIL},
        {"role": "assistant", "content": None, "tool_calls": []},
        "not a message",
    ]
    minimized, _ = Minimizer(Analyzer.default(), roles=frozenset({"user"})).minimize(history)
    assert minimized[0] == {
        "role": "user",
        "name": "maria",
        "content": [{"type": "text", "text": "<EMAIL_1>"}, image],
    }
    assert minimized[1:] == history[1:]
    assert history[0]["content"][0]["text"] == EMAIL  # the input is not modified


def test_deny_types_become_safe_labels() -> None:
    """A deny-list type with spaces or lower case still yields a restorable placeholder."""
    analyzer = Analyzer.default(deny={"Project Falcon": "code name"})
    (minimized,), mapping = Minimizer(analyzer).minimize([_user("About Project Falcon?")])
    assert minimized["content"] == "About <CODE_NAME_1>?"
    assert PLACEHOLDER.fullmatch("<CODE_NAME_1>")
    assert restore("Falcon is <CODE_NAME_1>.", mapping) == "Falcon is Project Falcon."


def test_minimize_payload_follows_the_privacy_block() -> None:
    """Allowed values stay; with nothing to replace the payload and body come back as they were."""
    privacy = PayloadPrivacy(minimize=True, allow=["support@acme.com"])
    payload = {"model": "m", "messages": [_user(f"{EMAIL} cc support@acme.com")], "n": 2}
    body = orjson.dumps(payload)
    out, out_body, mapping = minimize_payload(payload, body, privacy)
    assert orjson.loads(out_body) == out
    assert out == {"model": "m", "messages": [_user("<EMAIL_1> cc support@acme.com")], "n": 2}
    assert dict(mapping) == {"<EMAIL_1>": EMAIL}
    clean = {"model": "m", "messages": [_user("hello")]}
    clean_body = orjson.dumps(clean)
    same, same_body, empty = minimize_payload(clean, clean_body, privacy)
    assert (same, same_body, dict(empty)) == (clean, clean_body, {})


def test_restore_leaves_unknown_placeholders() -> None:
    """Only placeholders of this request are replaced."""
    assert restore("<EMAIL_1> <EMAIL_9> <x>", {"<EMAIL_1>": EMAIL}) == f"{EMAIL} <EMAIL_9> <x>"


def test_restore_completion_rewrites_every_choice() -> None:
    """Each choice's message content is restored; other bodies pass through byte for byte."""
    mapping = {"<EMAIL_1>": EMAIL}
    choices = [
        {"index": i, "message": {"role": "assistant", "content": f"{i}: <EMAIL_1>"}}
        for i in range(2)
    ]
    body = orjson.dumps({"id": "x", "choices": [*choices, {"index": 2, "message": {}}]})
    restored = orjson.loads(restore_completion(body, mapping))
    assert [c["message"].get("content") for c in restored["choices"]] == [
        f"0: {EMAIL}",
        f"1: {EMAIL}",
        None,
    ]
    untouched = orjson.dumps({"choices": [{"message": {"content": "no placeholder"}}]})
    for other in (b"<html>", b"[1]", b'{"error": 1}', untouched):
        assert restore_completion(other, mapping) is other


@given(messages(), st.lists(st.integers(0, 400), max_size=12))
def test_stream_restorer_matches_restore_however_the_text_is_cut(
    message: Message, cuts: list[int]
) -> None:
    """Feeding any cut of the minimized text yields exactly the restored text."""
    (minimized,), mapping = MINIMIZER.minimize([_user(message[0])])
    restorer = StreamRestorer(mapping)
    shown = [restorer.feed(piece) for piece in _pieces(minimized["content"], cuts)]
    assert "".join(shown) + restorer.flush() == message[0]


def test_stream_restorer_holds_back_only_possible_placeholders() -> None:
    """A ``<`` that cannot start a placeholder is shown at once; a real prefix waits."""
    restorer = StreamRestorer({"<EMAIL_1>": EMAIL})
    assert restorer.feed("a < b <EM") == "a < b "
    assert restorer.feed("AIL_1> and <EMAIL_2") == f"{EMAIL} and <EMAIL_2"
    assert restorer.feed(" <EMAIL_") == " "
    assert restorer.flush() == "<EMAIL_"


@given(
    messages(),
    st.integers(1, 7),
    st.lists(st.integers(0, 4000), max_size=20),
    st.booleans(),
    st.booleans(),
)
def test_sse_restorer_restores_across_event_and_byte_boundaries(
    message: Message, size: int, cuts: list[int], finish: bool, crlf: bool
) -> None:
    """Events cut into ``size``-character deltas and bytes cut anywhere still restore exactly."""
    (minimized,), mapping = MINIMIZER.minimize([_user(message[0])])
    text = minimized["content"]
    raw = _sse([text[i : i + size] for i in range(0, len(text), size)], finish=finish, crlf=crlf)
    restorer = SseRestorer(mapping)
    out = b"".join(restorer.feed(piece) for piece in _pieces(raw, cuts)) + restorer.flush()
    assert _streamed_text(out) == message[0]
    assert out.rstrip().endswith(b"data: [DONE]")


def test_sse_restorer_keeps_other_lines_and_flushes_at_the_end() -> None:
    """Comments, usage events and unparsable data pass through; held text ends the stream."""
    mapping = {"<EMAIL_1>": EMAIL}
    usage = b'data: {"choices":[],"usage":{"prompt_tokens":3}}\n\n'
    raw = b": keep-alive\n\n" + usage + b"data: nope\n\n" + _sse(["mail <EMA"], finish=False)
    restorer = SseRestorer(mapping)
    out = restorer.feed(raw[:-2])  # the stream ends without [DONE]'s blank line
    out += restorer.feed(b"") + restorer.flush()
    assert out.startswith(b": keep-alive\n\n" + usage + b"data: nope\n\n")
    assert _streamed_text(out) == "mail <EMA"
    no_done = SseRestorer(mapping)
    tail = no_done.feed(_sse(["x <EMAIL_"], finish=False).split(b"data: [DONE]")[0])
    tail += no_done.flush()
    assert _streamed_text(tail) == "x <EMAIL_"
    assert tail.count(b'"id":"c1"') == 2  # the closing event reuses the stream's envelope


def test_sse_restorer_passes_an_overlong_line_through() -> None:
    """A line past ``MAX_LINE`` is sent unbuffered; the lines after it are restored again."""
    restorer = SseRestorer({"<EMAIL_1>": EMAIL})
    huge = b": " + b"x" * (MAX_LINE + 1)
    out = restorer.feed(huge) + restorer.feed(b"\n\n" + _sse(["<EMAIL_1>"]))
    assert out.startswith(huge + b"\n\n")
    assert _streamed_text(out + restorer.flush()) == EMAIL
