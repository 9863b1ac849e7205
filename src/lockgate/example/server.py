"""The example AI service over HTTP: OpenAI-compatible chat completions and a plain JSON API.

Endpoints: ``POST /v1/chat/completions`` (JSON or server-sent events), ``GET /v1/models``,
``POST /invoke`` and ``GET /healthz``. Version ``v3`` behaves like a bad release (slower, and
fails a share of requests with HTTP 500), see :mod:`lockgate.example.faults`.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import AsyncIterator, Iterable
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from lockgate.example import faq
from lockgate.example import openai_shapes as wire
from lockgate.example.faults import FaultInjector, profile_for
from lockgate.example.model import IntentModel, Prediction, train, version_spec

_OWNER = "lockgate-example"


def _bad_request(error: wire.RequestError) -> JSONResponse:
    body = wire.error_body(
        error.message, "invalid_request_error", param=error.param, code=error.code
    )
    return JSONResponse(body, status_code=400)


def _server_error() -> JSONResponse:
    body = wire.error_body(
        "the model failed to produce an answer; retry the request",
        "server_error",
        param=None,
        code="internal_error",
    )
    return JSONResponse(body, status_code=500)


class _Service:
    """The request handlers, bound to one trained model and its fault injector."""

    __slots__ = ("_faults", "_model", "_started", "version")

    def __init__(self, model: IntentModel, faults: FaultInjector) -> None:
        self.version = model.version
        self._model = model
        self._faults = faults
        self._started = int(time.time())

    def _classify(self, text: str) -> tuple[Prediction, str]:
        prediction = self._model.predict(text)
        return prediction, faq.answer(prediction.intent, prediction.confidence)

    def _extra(self, prediction: Prediction) -> dict[str, Any]:
        return {
            "intent": prediction.intent,
            "confidence": round(prediction.confidence, 4),
            "version": self.version,
        }

    async def _misbehave(self) -> bool:
        """Apply the injected delay; True when this request must fail."""
        fault = self._faults.draw()
        if fault.delay_s > 0:
            await asyncio.sleep(fault.delay_s)
        return fault.fail

    async def healthz(self, _request: Request) -> Response:
        """Liveness and the version being served."""
        return JSONResponse({"status": "ok", "version": self.version, "model": wire.MODEL_NAME})

    async def models(self, _request: Request) -> Response:
        """The single model this service exposes, in OpenAI's list shape."""
        entry = {"id": wire.MODEL_NAME, "object": "model", "created": self._started}
        return JSONResponse({"object": "list", "data": [{**entry, "owned_by": _OWNER}]})

    async def chat_completions(self, request: Request) -> Response:
        """OpenAI-compatible chat completion, streamed when ``stream`` is true."""
        try:
            body = wire.ChatCompletionRequest.model_validate_json(await request.body())
            text = wire.user_text(body)
        except ValidationError as exc:
            return _bad_request(wire.describe_validation_error(exc))
        except wire.RequestError as exc:
            return _bad_request(exc)
        if await self._misbehave():
            return _server_error()
        prediction, answer = self._classify(text)
        completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        token_usage = wire.usage(body.messages, answer)
        if not body.stream:
            payload = wire.completion(
                completion_id=completion_id,
                created=created,
                answer=answer,
                token_usage=token_usage,
                extra=self._extra(prediction),
            )
            return JSONResponse(payload)
        include_usage = body.stream_options is not None and body.stream_options.include_usage
        events = wire.chunks(
            completion_id=completion_id,
            created=created,
            answer=answer,
            token_usage=token_usage if include_usage else None,
            extra=self._extra(prediction),
        )
        return StreamingResponse(
            _sse(events), media_type="text/event-stream", headers={"Cache-Control": "no-cache"}
        )

    async def invoke(self, request: Request) -> Response:
        """Plain JSON API: ``{"text"}`` in, intent, confidence, answer and version out."""
        try:
            body = wire.InvokeRequest.model_validate_json(await request.body())
        except ValidationError as exc:
            return _bad_request(wire.describe_validation_error(exc))
        if not body.text.strip():
            return _bad_request(wire.RequestError("text must not be blank", param="text"))
        if await self._misbehave():
            return _server_error()
        prediction, answer = self._classify(body.text)
        return JSONResponse({**self._extra(prediction), "answer": answer})


async def _sse(events: Iterable[dict[str, Any]]) -> AsyncIterator[bytes]:
    for event in events:
        yield f"data: {json.dumps(event, separators=(',', ':'))}\n\n".encode()
    yield b"data: [DONE]\n\n"


def create_app(
    version: str, *, seed: int | None = None, model: IntentModel | None = None
) -> Starlette:
    """Build the service for ``version``, training its model unless a trained one is given.

    ``seed`` makes the injected faults of a bad release reproducible.
    """
    version_spec(version)
    if model is None:
        model = train(version)
    elif model.version != version:
        raise ValueError(f"model is version {model.version!r}, not {version!r}")
    service = _Service(model, FaultInjector(profile_for(version), random.Random(seed)))
    routes = [
        Route("/healthz", service.healthz, methods=["GET"]),
        Route("/v1/models", service.models, methods=["GET"]),
        Route("/v1/chat/completions", service.chat_completions, methods=["POST"]),
        Route("/invoke", service.invoke, methods=["POST"]),
    ]
    return Starlette(routes=routes)
