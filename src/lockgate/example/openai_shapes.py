"""OpenAI chat-completions wire format: request validation and response bodies (pure).

Only what the example service needs: requests are validated with pydantic and every other
OpenAI parameter (temperature, max_tokens, ...) is accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

MODEL_NAME = "support-assistant"
MAX_INPUT_CHARS = 16_000
_TOKEN = re.compile(r"\w+|[^\w\s]")

ErrorType = Literal["invalid_request_error", "server_error"]


class TextPart(BaseModel):
    """One element of a content array; only text parts carry text."""

    model_config = ConfigDict(extra="allow")
    type: str
    text: str | None = None


class ChatMessage(BaseModel):
    """A message of the conversation."""

    model_config = ConfigDict(extra="allow")
    role: Literal["system", "developer", "user", "assistant", "tool", "function"]
    content: str | list[TextPart] | None = None

    def text(self) -> str:
        """The message's text, with content parts joined by spaces."""
        if self.content is None:
            return ""
        if isinstance(self.content, str):
            return self.content
        return " ".join(p.text for p in self.content if p.type == "text" and p.text)


class StreamOptions(BaseModel):
    """Options for streamed responses."""

    model_config = ConfigDict(extra="allow")
    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """The subset of the OpenAI request body the service reads."""

    model_config = ConfigDict(extra="allow")
    model: str = MODEL_NAME
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False
    stream_options: StreamOptions | None = None

    def last_user_text(self) -> str:
        """The text of the last user message, or '' when there is none."""
        for message in reversed(self.messages):
            if message.role == "user":
                return message.text()
        return ""


class InvokeRequest(BaseModel):
    """Body of the plain JSON API."""

    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_INPUT_CHARS)


class RequestError(ValueError):
    """A request the service cannot answer; maps to HTTP 400 with an OpenAI error body."""

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code


def describe_validation_error(error: ValidationError) -> RequestError:
    """Turn pydantic's first complaint into an OpenAI-style request error."""
    first = error.errors(include_url=False)[0]
    location = ".".join(str(part) for part in first["loc"])
    if first["type"] == "json_invalid":
        return RequestError("request body is not valid JSON", code="invalid_json")
    return RequestError(
        f"{location or 'body'}: {first['msg']}", param=location or None, code="invalid_value"
    )


def user_text(request: ChatCompletionRequest) -> str:
    """The text the assistant answers, or :class:`RequestError` when unusable."""
    text = request.last_user_text().strip()
    if not text:
        raise RequestError(
            "messages must contain a user message with non-empty text content", param="messages"
        )
    if len(text) > MAX_INPUT_CHARS:
        raise RequestError(
            f"the user message is longer than {MAX_INPUT_CHARS} characters; shorten it",
            param="messages",
            code="context_length_exceeded",
        )
    return text


def count_tokens(text: str) -> int:
    """A simple tokenizer: words and punctuation marks each count as one token."""
    return len(_TOKEN.findall(text))


def usage(messages: Sequence[ChatMessage], answer: str) -> dict[str, int]:
    """Token usage of a request and its answer."""
    prompt = sum(count_tokens(m.text()) for m in messages)
    completion = count_tokens(answer)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def error_body(
    message: str, error_type: ErrorType, *, param: str | None, code: str | None
) -> dict[str, Any]:
    """The OpenAI error envelope."""
    return {"error": {"message": message, "type": error_type, "param": param, "code": code}}


def completion(
    *,
    completion_id: str,
    created: int,
    answer: str,
    token_usage: dict[str, int],
    extra: dict[str, Any],
) -> dict[str, Any]:
    """A complete ``chat.completion`` object."""
    return {
        "id": completion_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_NAME,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": answer, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": token_usage,
        "system_fingerprint": None,
        "lockgate_example": extra,
    }


def words(answer: str) -> list[str]:
    """Split an answer into stream pieces that concatenate back to it exactly."""
    parts = answer.split(" ")
    return [parts[0], *(f" {part}" for part in parts[1:])]


def chunks(
    *,
    completion_id: str,
    created: int,
    answer: str,
    token_usage: dict[str, int] | None,
    extra: dict[str, Any],
) -> Iterator[dict[str, Any]]:
    """The ``chat.completion.chunk`` objects of a streamed answer, in order.

    The first chunk carries the role, then one chunk per word, then a chunk with the finish
    reason (and ``lockgate_example``), then a usage chunk when ``token_usage`` is given.
    """
    include_usage = token_usage is not None

    def chunk(delta: dict[str, Any], finish: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": completion_id,
            "object": "chat.completion.chunk",
            "created": created,
            "model": MODEL_NAME,
            "system_fingerprint": None,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if include_usage:
            body["usage"] = None
        return body

    yield chunk({"role": "assistant", "content": ""}, None)
    for piece in words(answer):
        yield chunk({"content": piece}, None)
    final = chunk({}, "stop")
    final["lockgate_example"] = extra
    yield final
    if token_usage is not None:
        last = chunk({}, None)
        last["choices"] = []
        last["usage"] = token_usage
        yield last
