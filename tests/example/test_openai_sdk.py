"""The official OpenAI Python SDK talks to the example service directly."""

from __future__ import annotations

from collections.abc import Iterator

import openai
import pytest
from openai import OpenAI

from lockgate.example import faq


@pytest.fixture
def client(v1_url: str) -> Iterator[OpenAI]:
    """An SDK client pointed at the v1 server, without retries."""
    with OpenAI(base_url=f"{v1_url}/v1", api_key="not-needed", max_retries=0) as sdk:
        yield sdk


def test_sdk_chat_completion(client: OpenAI) -> None:
    """A plain create() call parses into the SDK's ChatCompletion with usage and extras."""
    completion = client.chat.completions.create(
        model="support-assistant",
        messages=[{"role": "user", "content": "my promo code doesn't work at checkout"}],
    )
    assert completion.object == "chat.completion"
    assert completion.model == "support-assistant"
    choice = completion.choices[0]
    assert choice.finish_reason == "stop"
    assert choice.message.role == "assistant"
    assert choice.message.content == faq.ANSWERS["promo_code"]
    assert completion.usage is not None
    assert completion.usage.total_tokens == (
        completion.usage.prompt_tokens + completion.usage.completion_tokens
    )
    extra = completion.model_extra or {}
    assert extra["lockgate_example"]["intent"] == "promo_code"
    assert extra["lockgate_example"]["version"] == "v1"


def test_sdk_streaming_with_usage(client: OpenAI) -> None:
    """Streaming through the SDK yields the full answer, a stop reason and a usage chunk."""
    stream = client.chat.completions.create(
        model="support-assistant",
        messages=[{"role": "user", "content": "i forgot my password and cannot log in"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    pieces, reasons, usage = [], [], None
    for chunk in stream:
        if chunk.usage is not None:
            usage = chunk.usage
        for choice in chunk.choices:
            pieces.append(choice.delta.content or "")
            reasons.append(choice.finish_reason)
    assert "".join(pieces) == faq.ANSWERS["password_reset"]
    assert reasons[-1] == "stop"
    assert usage is not None
    assert usage.completion_tokens > 0


def test_sdk_models_list(client: OpenAI) -> None:
    """models.list() shows the single support-assistant model."""
    assert [m.id for m in client.models.list()] == ["support-assistant"]


def test_sdk_raises_bad_request_with_our_message(client: OpenAI) -> None:
    """A request without a user message surfaces as openai.BadRequestError with our text."""
    with pytest.raises(openai.BadRequestError, match="user message") as caught:
        client.chat.completions.create(
            model="support-assistant", messages=[{"role": "system", "content": "be nice"}]
        )
    assert caught.value.status_code == 400
