"""``POST /v1/feedback``: a label, a score or thumbs up/down on an answer, by its request id."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lockgate.auth.keyring import token_from_headers
from lockgate.auth.scopes import Scope as KeyScope
from lockgate.errors import LockgateError, MalformedJSON, MissingField, UnsupportedMediaType
from lockgate.gateway.asgi import Receive, Scope, Send, headers_of, read_body, send_error, send_json
from lockgate.gateway.runtime import Runtime
from lockgate.store.tables import Feedback

MAX_BODY = 16 * 1024


class FeedbackIn(BaseModel):
    """Feedback on one answer; at least one of label, score, thumbs."""

    model_config = ConfigDict(extra="forbid")

    request_id: str = Field(min_length=1, max_length=32, pattern=r"^[0-9a-f]+$")
    label: str | None = Field(default=None, min_length=1, max_length=100)
    score: float | None = Field(default=None, ge=0, le=1)
    thumbs: Literal["up", "down"] | None = None

    @model_validator(mode="after")
    def _something(self) -> FeedbackIn:
        if self.label is None and self.score is None and self.thumbs is None:
            raise ValueError("give at least one of `label`, `score` (0..1) or `thumbs` (up|down)")
        return self


async def handle(runtime: Runtime, scope: Scope, receive: Receive, send: Send) -> None:
    """Authenticate (scope ``invoke``), validate and store feedback."""
    headers = headers_of(scope)
    try:
        token = token_from_headers(headers.get(b"authorization"), headers.get(b"x-api-key"))
        principal = await runtime.keyring.authenticate(token)
        principal.require(KeyScope.INVOKE)
        if not headers.get(b"content-type", b"").startswith(b"application/json"):
            raise UnsupportedMediaType(
                "send feedback as JSON with `Content-Type: application/json`"
            )
        body = await read_body(receive, MAX_BODY, headers.get(b"content-length"))
        try:
            data = FeedbackIn.model_validate(orjson.loads(body))
        except orjson.JSONDecodeError as exc:
            raise MalformedJSON(f"the body is not valid JSON: {exc}") from None
        except ValidationError as exc:
            first = exc.errors(include_url=False)[0]
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise MissingField(f"{where}: {first['msg']}", param=where or None) from None
        row = Feedback(
            request_id=data.request_id, at=dt.datetime.now(dt.UTC), key_id=principal.key_id,
            label=data.label, score=data.score, thumbs=data.thumbs,
        )  # fmt: skip
        await asyncio.to_thread(_store, runtime, row)
    except LockgateError as error:
        await send_error(send, error)
        return
    await send_json(send, 201, {"status": "recorded", "request_id": data.request_id})


def _store(runtime: Runtime, row: Feedback) -> None:
    with runtime.store.transaction() as session:
        session.add(row)
