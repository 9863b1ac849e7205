"""The official OpenAI SDK works through the gateway unchanged but for base URL and key.

The upstream is the real example model (v1 of the support assistant) on a loopback port.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import openai
import pytest

from lockgate.example.server import create_app as example_app
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve

REFUND = "hi, I want my money back for order 1234, it arrived broken"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    with serve(example_app("v1", seed=1)) as upstream:
        folder = tmp_path_factory.mktemp("sdk")
        with running_gateway(folder, manifest_dict({"v1": upstream})) as gw:
            yield gw


def _client(gw: Gateway) -> openai.OpenAI:
    return openai.OpenAI(base_url=gw.url + "/v1", api_key=gw.key(), max_retries=0)


def test_sync_completion(gateway: Gateway) -> None:
    """A sync chat completion returns the model's answer and token usage."""
    client = _client(gateway)
    raw = client.chat.completions.with_raw_response.create(
        model="support-assistant", messages=[{"role": "user", "content": REFUND}]
    )
    reply = raw.parse()
    assert raw.headers["x-lockgate-version"] == "v1"
    assert reply.choices[0].message.content
    assert reply.usage is not None and reply.usage.total_tokens > 0
    client.close()


def test_async_completion(gateway: Gateway) -> None:
    """The async client works the same way, concurrently."""

    async def scenario() -> list[str]:
        client = openai.AsyncOpenAI(
            base_url=gateway.url + "/v1", api_key=gateway.key(), max_retries=0
        )
        replies = await asyncio.gather(
            *(
                client.chat.completions.create(
                    model="support-assistant", messages=[{"role": "user", "content": text}]
                )
                for text in (REFUND, "i forgot my password", "where is my parcel??")
            )
        )
        await client.close()
        return [reply.choices[0].message.content or "" for reply in replies]

    answers = asyncio.run(scenario())
    assert len(answers) == 3
    assert all(answers)


def test_streaming_completion(gateway: Gateway) -> None:
    """Streaming yields deltas that join into the full answer, with usage at the end."""
    client = _client(gateway)
    stream = client.chat.completions.create(
        model="support-assistant",
        messages=[{"role": "user", "content": REFUND}],
        stream=True,
        stream_options={"include_usage": True},
    )
    parts, usage = [], None
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            parts.append(chunk.choices[0].delta.content)
        if chunk.usage:
            usage = chunk.usage
    whole = client.chat.completions.create(
        model="support-assistant", messages=[{"role": "user", "content": REFUND}]
    )
    assert "".join(parts) == whole.choices[0].message.content
    assert len(parts) > 1
    assert usage is not None and usage.completion_tokens > 0
    client.close()


def test_sdk_errors_surface_as_sdk_exceptions(gateway: Gateway) -> None:
    """Gateway errors reach SDK users as the SDK's own typed exceptions."""
    bad_key = openai.OpenAI(base_url=gateway.url + "/v1", api_key="lk_nope", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad_key.chat.completions.create(
            model="support-assistant", messages=[{"role": "user", "content": "hi"}]
        )
    client = _client(gateway)
    with pytest.raises(openai.NotFoundError) as caught:
        client.chat.completions.create(model="ghost", messages=[{"role": "user", "content": "hi"}])
    assert caught.value.code == "model_not_found"
    assert [m.id for m in client.models.list()] == ["support-assistant"]
    client.close()
    bad_key.close()
