"""The example service over a real loopback socket: endpoints, streaming, errors, v3 faults."""

from __future__ import annotations

import asyncio
import json
import statistics
import time
from collections.abc import Mapping
from typing import Any

import httpx
import pytest

from lockgate.example import faq
from lockgate.example.model import IntentModel, UnknownVersionError, heldout_messages
from lockgate.example.openai_shapes import count_tokens
from lockgate.example.server import create_app

CHAT = "/v1/chat/completions"


def chat_body(text: str, **extra: Any) -> dict[str, Any]:
    """A minimal OpenAI chat request with one system and one user message."""
    messages = [
        {"role": "system", "content": "You are a helpful support assistant."},
        {"role": "user", "content": text},
    ]
    return {"model": "support-assistant", "messages": messages, **extra}


def sse_events(raw: str) -> list[str]:
    """The data payloads of a server-sent event stream, in order."""
    blocks = [block for block in raw.split("\n\n") if block]
    assert all(block.startswith("data: ") for block in blocks), raw[:200]
    return [block.removeprefix("data: ") for block in blocks]


def test_healthz_and_models(v1_url: str) -> None:
    """/healthz reports the version; /v1/models lists the one model in OpenAI's shape."""
    health = httpx.get(f"{v1_url}/healthz").json()
    assert health == {"status": "ok", "version": "v1", "model": "support-assistant"}
    models = httpx.get(f"{v1_url}/v1/models").json()
    assert models["object"] == "list"
    assert [m["id"] for m in models["data"]] == ["support-assistant"]
    assert models["data"][0]["object"] == "model"


def test_chat_completion_has_the_openai_shape(
    v1_url: str, models: Mapping[str, IntentModel]
) -> None:
    """A completion carries id, object, created, model, choices, usage and the intent."""
    text = "i was charged twice for my order, please fix this"
    response = httpx.post(f"{v1_url}{CHAT}", json=chat_body(text))
    assert response.status_code == 200
    body = response.json()
    expected = models["v1"].predict(text)
    answer = faq.answer(expected.intent, expected.confidence)
    assert body["id"].startswith("chatcmpl-")
    assert body["object"] == "chat.completion"
    assert abs(body["created"] - time.time()) < 60
    assert body["model"] == "support-assistant"
    choice = body["choices"][0]
    assert choice["index"] == 0
    assert choice["message"]["role"] == "assistant"
    assert choice["message"]["content"] == answer
    assert choice["finish_reason"] == "stop"
    prompt = count_tokens("You are a helpful support assistant.") + count_tokens(text)
    assert body["usage"] == {
        "prompt_tokens": prompt,
        "completion_tokens": count_tokens(answer),
        "total_tokens": prompt + count_tokens(answer),
    }
    assert body["lockgate_example"] == {
        "intent": expected.intent,
        "confidence": round(expected.confidence, 4),
        "version": "v1",
    }


def test_answers_the_last_user_message(v1_url: str) -> None:
    """With a conversation, the last user turn decides the intent."""
    messages = [
        {"role": "user", "content": "i forgot my password"},
        {"role": "assistant", "content": "Use Forgot password on the sign-in page."},
        {"role": "user", "content": [{"type": "text", "text": "how much is shipping to canada"}]},
    ]
    body = httpx.post(f"{v1_url}{CHAT}", json={"model": "m", "messages": messages}).json()
    assert body["lockgate_example"]["intent"] == "shipping_cost"


@pytest.mark.parametrize("include_usage", [True, False])
def test_streaming_sends_words_then_finish_then_done(v1_url: str, include_usage: bool) -> None:
    """SSE chunks: role first, the answer word by word, finish reason, optional usage, [DONE]."""
    text = "please connect me to a live agent"
    body = chat_body(text, stream=True, stream_options={"include_usage": include_usage})
    plain = httpx.post(f"{v1_url}{CHAT}", json=chat_body(text)).json()
    response = httpx.post(f"{v1_url}{CHAT}", json=body)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    assert len({c["id"] for c in chunks}) == 1
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    with_choices = [c for c in chunks if c["choices"]]
    content = "".join(c["choices"][0]["delta"].get("content", "") for c in with_choices)
    assert content == plain["choices"][0]["message"]["content"]
    pieces = [c["choices"][0]["delta"]["content"] for c in with_choices[1:-1]]
    assert len(pieces) == len(content.split(" "))
    final = with_choices[-1]
    assert final["choices"][0]["finish_reason"] == "stop"
    assert final["lockgate_example"]["intent"] == plain["lockgate_example"]["intent"]
    assert all(c["choices"][0]["finish_reason"] is None for c in with_choices[:-1])
    if include_usage:
        assert chunks[-1]["choices"] == []
        assert chunks[-1]["usage"] == plain["usage"]
        assert all(c["usage"] is None for c in chunks[:-1])
    else:
        assert all("usage" not in c for c in chunks)


BAD_BODIES: list[tuple[str, bytes]] = [
    ("not json", b"{not json"),
    ("not an object", b"[1, 2]"),
    ("no messages", json.dumps({"model": "m"}).encode()),
    ("empty messages", json.dumps({"model": "m", "messages": []}).encode()),
    ("no user turn", json.dumps({"messages": [{"role": "system", "content": "hi"}]}).encode()),
    ("blank user text", json.dumps({"messages": [{"role": "user", "content": "   "}]}).encode()),
    ("unknown role", json.dumps({"messages": [{"role": "robot", "content": "hi"}]}).encode()),
    ("content a number", json.dumps({"messages": [{"role": "user", "content": 5}]}).encode()),
    ("stream not bool", json.dumps({**chat_body("hi"), "stream": "maybe"}).encode()),
    ("too long", json.dumps({"messages": [{"role": "user", "content": "a" * 20_000}]}).encode()),
]


@pytest.mark.parametrize(("case", "raw"), BAD_BODIES, ids=[c for c, _ in BAD_BODIES])
def test_bad_chat_input_is_a_400_with_an_openai_error(v1_url: str, case: str, raw: bytes) -> None:
    """Invalid requests get HTTP 400 and OpenAI's error envelope, never a 500."""
    response = httpx.post(
        f"{v1_url}{CHAT}", content=raw, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400, case
    error = response.json()["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"]
    assert set(error) == {"message", "type", "param", "code"}


def test_invoke_returns_intent_confidence_answer_version(
    v1_url: str, models: Mapping[str, IntentModel]
) -> None:
    """The plain JSON API answers with the model's prediction and the FAQ text."""
    text = "how do i delete my account and all my data"
    body = httpx.post(f"{v1_url}/invoke", json={"text": text}).json()
    expected = models["v1"].predict(text)
    assert body == {
        "intent": expected.intent,
        "confidence": round(expected.confidence, 4),
        "version": "v1",
        "answer": faq.answer(expected.intent, expected.confidence),
    }


@pytest.mark.parametrize(
    "payload", [{}, {"text": ""}, {"text": "   "}, {"text": 3}, {"text": "hi", "extra": 1}]
)
def test_bad_invoke_input_is_a_400(v1_url: str, payload: dict[str, Any]) -> None:
    """/invoke rejects missing, blank, mistyped or unexpected fields with HTTP 400."""
    response = httpx.post(f"{v1_url}/invoke", json=payload)
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "invalid_request_error"


def test_wrong_method_is_refused(v1_url: str) -> None:
    """GET on the completion endpoint is 405, not an answer."""
    assert httpx.get(f"{v1_url}{CHAT}").status_code == 405


async def _statuses(url: str, texts: list[str], concurrency: int) -> list[int]:
    limit = asyncio.Semaphore(concurrency)
    async with httpx.AsyncClient(base_url=url, timeout=30.0) as client:

        async def one(text: str) -> int:
            async with limit:
                response = await client.post("/invoke", json={"text": text})
                if response.status_code == 500:
                    assert response.json()["error"]["type"] == "server_error"
                return response.status_code

        return list(await asyncio.gather(*(one(t) for t in texts)))


def test_v3_fails_about_four_percent_of_requests(v3_url: str) -> None:
    """Over 500 requests the bad release answers HTTP 500 to roughly 4% of them."""
    texts = [e.text for e in heldout_messages()][:500]
    statuses = asyncio.run(_statuses(v3_url, texts, concurrency=48))
    assert set(statuses) <= {200, 500}
    share = statuses.count(500) / len(statuses)
    assert 0.015 <= share <= 0.07


def test_healthy_release_never_fails(v1_url: str) -> None:
    """The baseline answers every one of 200 requests."""
    texts = [e.text for e in heldout_messages()][:200]
    assert set(asyncio.run(_statuses(v1_url, texts, concurrency=16))) == {200}


def _median_latency(url: str, count: int) -> float:
    timings = []
    with httpx.Client(base_url=url) as client:
        for _ in range(count):
            started = time.perf_counter()
            client.post("/invoke", json={"text": "where is my order"})
            timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def test_v3_is_slower_by_tens_of_milliseconds(v1_url: str, v3_url: str) -> None:
    """The bad release adds about 30-60 ms per request."""
    extra = _median_latency(v3_url, 25) - _median_latency(v1_url, 25)
    assert 0.025 <= extra <= 0.120


def test_create_app_refuses_mismatched_or_unknown_versions(
    models: Mapping[str, IntentModel],
) -> None:
    """A model of another release, or an unknown release, is an error at build time."""
    with pytest.raises(ValueError, match="not 'v2'"):
        create_app("v2", model=models["v1"])
    with pytest.raises(UnknownVersionError):
        create_app("v7")


def test_unintelligible_input_gets_a_clarifying_question(v1_url: str) -> None:
    """When the model is unsure, the assistant asks for details instead of guessing."""
    body = httpx.post(f"{v1_url}/invoke", json={"text": "asdf qwer"}).json()
    assert body["confidence"] < faq.CLARIFY_BELOW
    assert body["answer"] == faq.CLARIFYING_ANSWER
