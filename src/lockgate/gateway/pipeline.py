"""The request pipeline: authenticate, validate, route, call upstream, answer, record.

Only what must happen per request happens here; the record goes to the request log's queue and
everything else (storage, monitors) runs off the path.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import orjson
from opentelemetry.trace import Span, StatusCode

from lockgate.auth.keyring import Principal, token_from_headers
from lockgate.auth.scopes import Scope as KeyScope
from lockgate.errors import (
    LockgateError,
    MalformedJSON,
    MissingField,
    UnknownService,
    UnsupportedMediaType,
    UpstreamError,
)
from lockgate.gateway import streaming
from lockgate.gateway.answers import send_answer
from lockgate.gateway.asgi import (
    JSON_TYPE,
    Receive,
    Scope,
    Send,
    headers_of,
    read_body,
    send_bytes,
    send_error,
    send_json,
)
from lockgate.gateway.exchange import Exchange, set_usage
from lockgate.gateway.fallback import Attempt, ServiceDisabled, classify
from lockgate.gateway.router import RouteContext
from lockgate.gateway.runtime import Runtime
from lockgate.gateway.services import ServiceRuntime, VersionRuntime
from lockgate.gateway.shadow import pointer
from lockgate.gateway.upstream import Target
from lockgate.manifest.cutover import Trigger
from lockgate.manifest.monitors import OutputSpec
from lockgate.monitor.contract import VIOLATION
from lockgate.privacy.minimize import Restoration, minimize_payload, restore_completion
from lockgate.store.requestlog import RequestRecord

DEFAULT_COMPARE = "/choices/0/message/content"


class Pipeline:
    """Handlers of the data-plane endpoints."""

    def __init__(self, runtime: Runtime) -> None:
        self.rt = runtime

    # -- entry points -------------------------------------------------------------------------

    async def chat(self, scope: Scope, receive: Receive, send: Send) -> None:
        """``POST /v1/chat/completions``: OpenAI-compatible, streaming or not."""
        ex = Exchange("chat", headers_of(scope))
        ex.span = self.rt.tracing.server_span(ex.headers, "POST /v1/chat/completions")
        try:
            await self._authenticate(ex)
            payload, body = await self._json_body(ex, receive)
            model = payload.get("model")
            if not isinstance(model, str) or not model:
                raise MissingField("`model` is required: name the service to call", param="model")
            messages = payload.get("messages")
            if not isinstance(messages, list) or not messages:
                raise MissingField(
                    "`messages` is required: a non-empty list of chat messages", param="messages"
                )
            service = self._service(ex, model)
            version = self._route(ex, service)
            ex.stream = payload.get("stream") is True
            if self.rt.loaded.manifest.monitors.drift is not None:
                ex.prompt_text = _last_user_text(messages)
            restoration: Restoration | None = None
            privacy = self.rt.loaded.manifest.data.privacy
            if privacy.minimize:
                payload, body, restoration = minimize_payload(payload, body, privacy)

            def data_for(target: VersionRuntime) -> bytes:
                if target.upstream_model is None:
                    return body
                return orjson.dumps({**payload, "model": target.upstream_model})

            async def attempt(target: VersionRuntime) -> None:
                if ex.stream:
                    await streaming.relay(
                        self.rt, ex, target.chat, data_for(target), send, restoration=restoration
                    )
                else:
                    await self._forward(
                        ex, target.chat, data_for(target), send, parse_usage=True,
                        restoration=restoration,
                    )  # fmt: skip

            await self._serve(ex, service, version, attempt, send)
            self._check_contract(ex, service)
            if not ex.stream:
                self._shadow(ex, service, lambda v: (v.chat, data_for(v)))
        except LockgateError as error:
            await self._fail(ex, error, send)
        await self._record(ex)

    async def invoke(self, scope: Scope, receive: Receive, send: Send, service_name: str) -> None:
        """``POST /v1/services/{service}/invoke``: any JSON body to a non-OpenAI model server."""
        ex = Exchange("invoke", headers_of(scope))
        ex.span = self.rt.tracing.server_span(ex.headers, "POST /v1/services/{service}/invoke")
        try:
            await self._authenticate(ex)
            _, body = await self._json_body(ex, receive)
            service = self._service(ex, service_name)
            version = self._route(ex, service)

            async def attempt(target: VersionRuntime) -> None:
                await self._forward(ex, target.invoke, body, send, parse_usage=False)

            await self._serve(ex, service, version, attempt, send)
            self._check_contract(ex, service)
            self._shadow(ex, service, lambda v: (v.invoke, body))
        except LockgateError as error:
            await self._fail(ex, error, send)
        await self._record(ex)

    async def models(self, scope: Scope, send: Send) -> None:
        """``GET /v1/models``: the services this key may call, in OpenAI's list shape."""
        ex = Exchange("models", headers_of(scope))
        try:
            principal = await self._authenticate(ex)
            data = [
                {"id": name, "object": "model", "created": 0, "owned_by": "lockgate"}
                for name in sorted(self.rt.services)
                if principal.may_call(name)
            ]
            ex.status = 200
            await send_json(send, 200, {"object": "list", "data": data}, ex.response_headers())
        except LockgateError as error:
            await self._fail(ex, error, send)

    # -- steps ---------------------------------------------------------------------------------

    async def _authenticate(self, ex: Exchange) -> Principal:
        token = token_from_headers(ex.headers.get(b"authorization"), ex.headers.get(b"x-api-key"))
        principal = await self.rt.keyring.authenticate(token)
        principal.require(KeyScope.INVOKE)
        ex.principal = principal
        return principal

    async def _json_body(self, ex: Exchange, receive: Receive) -> tuple[dict[str, object], bytes]:
        content_type = ex.headers.get(b"content-type", b"")
        if not content_type.startswith(b"application/json"):
            raise UnsupportedMediaType(
                "send the body as JSON with `Content-Type: application/json`"
            )
        body = await read_body(
            receive, self.rt.settings.max_body, ex.headers.get(b"content-length")
        )
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise MalformedJSON(f"the body is not valid JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise MalformedJSON("the body must be a JSON object")
        if self.rt.loaded.manifest.data.store_payloads:
            ex.request_body = body
        return payload, body

    def _service(self, ex: Exchange, name: str) -> ServiceRuntime:
        service = self.rt.services.get(name)
        if service is None:
            raise UnknownService(
                f"no service named {name!r}; GET /v1/models lists the services this key may call",
                param="model",
            )
        assert ex.principal is not None
        ex.principal.require_service(name)
        ex.service = name
        return service

    async def _serve(
        self,
        ex: Exchange,
        service: ServiceRuntime,
        version: VersionRuntime,
        attempt: Attempt,
        send: Send,
    ) -> None:
        """Call the routed version; on a trigger, run the fallback chain."""
        chain = self.rt.fallback
        chain.budget.deposit()

        async def answer(content: str, extra: dict[str, object]) -> None:
            ex.status = 200
            await send_answer(
                send,
                route=ex.route,
                stream=ex.stream,
                request_id=ex.request_id,
                service=service.name,
                content=content,
                extra=extra,
                headers=ex.response_headers(),
            )

        assert ex.context is not None
        if not self.rt.kill_switch.enabled(service.name, ex.context):
            disabled = ServiceDisabled(
                f"the service {service.name!r} is switched off ({service.name}.enabled is false) "
                "and its fallback chain has no static answer or hand-off"
            )
            await chain.recover(
                ex, service=service, failed=version, trigger=Trigger.KILL_SWITCH, error=disabled,
                attempt=attempt, answer=answer,
            )  # fmt: skip
            return
        try:
            await chain.call(ex, service, version, attempt)
        except UpstreamError as error:
            await chain.recover(
                ex, service=service, failed=version, trigger=classify(error), error=error,
                attempt=attempt, answer=answer,
            )  # fmt: skip

    def _check_contract(self, ex: Exchange, service: ServiceRuntime) -> None:
        """A rollout candidate's answer that breaks the output contract counts as an error."""
        contract = self.rt.contract
        if contract is None or ex.status != 200 or ex.reply_body is None:
            return
        rollout = self.rt.routing.active().get(service.name)
        if rollout is None or rollout.candidate != ex.version:
            return
        broken = contract.violation(ex.reply_body)
        if broken is not None:
            ex.error_code = VIOLATION

    def _shadow(
        self,
        ex: Exchange,
        service: ServiceRuntime,
        request_for: Callable[[VersionRuntime], tuple[Target, bytes]],
    ) -> None:
        """During a shadow phase, send a copy to the candidate after the user got the answer."""
        if ex.status != 200 or ex.fallback is not None or ex.context is None:
            return
        name = self.rt.routing.shadow_target(service.name, ex.context)
        if name is None or name == ex.version or ex.reply_body is None:
            return
        candidate = service.versions.get(name)
        if candidate is None:
            return
        target, body = request_for(candidate)
        output = self.rt.loaded.manifest.monitors.output
        self.rt.shadow.launch(
            service=service.name, target=target, body=body,
            headers=ex.upstream_headers(target), reference=ex.reply_body,
            compare_at=output.label or DEFAULT_COMPARE,
        )  # fmt: skip

    def _route(self, ex: Exchange, service: ServiceRuntime) -> VersionRuntime:
        assert ex.principal is not None
        settings = self.rt.settings
        user = ex.headers.get(settings.user_header.lower().encode())
        sticky = ex.headers.get(b"x-lockgate-conversation") or user
        tenant = ex.headers.get(settings.tenant_header.lower().encode())
        context = RouteContext(
            key_id=ex.principal.key_id,
            sticky_key=sticky.decode("latin-1") if sticky else None,
            tenant=tenant.decode("latin-1") if tenant else None,
            user=user.decode("latin-1") if user else None,
            headers=ex.headers,
        )
        ex.context = context
        ex.conversation = context.sticky_key
        version = self.rt.router.pick(service, context)
        ex.version = version.name
        return version

    async def _forward(
        self,
        ex: Exchange,
        target: Target,
        body: bytes,
        send: Send,
        *,
        parse_usage: bool,
        restoration: Restoration | None = None,
    ) -> None:
        started = time.perf_counter()
        try:
            reply = await self.rt.upstream.post(target, body, ex.upstream_headers(target))
        finally:
            ex.upstream_ms = (time.perf_counter() - started) * 1000
        if reply.status >= 500:
            raise UpstreamError(
                f"the upstream of version {target.version!r} answered HTTP {reply.status}"
            )
        if parse_usage and reply.status == 200:
            _read_reply(ex, reply.body, self.rt.loaded.manifest.monitors.output)
        ex.status = reply.status
        ex.reply_body = reply.body
        if ex.request_body is not None:
            ex.response_body = reply.body
        content_type = reply.content_type.encode() or JSON_TYPE[1]
        answer = reply.body
        if restoration and reply.status == 200:
            answer = restore_completion(answer, restoration)
        await send_bytes(
            send,
            reply.status,
            answer,
            [(b"content-type", content_type), *ex.response_headers()],
        )

    async def _fail(self, ex: Exchange, error: LockgateError, send: Send) -> None:
        ex.status = error.status
        ex.error_code = error.code
        await send_error(send, error, ex.response_headers())

    async def _record(self, ex: Exchange) -> None:
        elapsed = time.perf_counter() - ex.started
        principal = ex.principal
        span = ex.span
        if span.is_recording():
            _annotate(span, ex)
        span.end()
        if ex.service is not None and ex.version is not None:
            metrics = self.rt.metrics
            metrics.observe(ex.service, ex.version, ex.status, ex.fallback or "none", elapsed)
            if ex.prompt_tokens is not None:
                metrics.tokens.labels(ex.service, ex.version, "input").inc(ex.prompt_tokens)
            if ex.completion_tokens is not None:
                metrics.tokens.labels(ex.service, ex.version, "output").inc(ex.completion_tokens)
        record = RequestRecord(
            request_id=ex.request_id,
            at=time.time(),
            key_id=principal.key_id if principal else None,
            service=ex.service,
            version=ex.version,
            route=ex.route,
            status=ex.status,
            error_code=ex.error_code,
            stream=ex.stream,
            latency_ms=elapsed * 1000,
            upstream_ms=ex.upstream_ms,
            prompt_tokens=ex.prompt_tokens,
            completion_tokens=ex.completion_tokens,
            fallback=ex.fallback,
            trace_id=self.rt.tracing.trace_id(span),
            label=ex.label,
            confidence=ex.confidence,
            finish_reason=ex.finish_reason,
            prompt_text=ex.prompt_text,
            tenant=ex.context.tenant if ex.context else None,
            conversation=ex.conversation,
            request_body=ex.request_body,
            response_body=ex.response_body,
        )
        pending = self.rt.request_log.submit(record)
        if pending is not None:
            await pending


def _annotate(span: Span, ex: Exchange) -> None:
    """GenAI and HTTP attributes of the request's server span."""
    span.set_attribute("http.response.status_code", ex.status)
    span.set_attribute("lockgate.request_id", ex.request_id)
    span.set_attribute("gen_ai.operation.name", ex.route)
    if ex.service is not None:
        span.set_attribute("gen_ai.request.model", ex.service)
    if ex.version is not None:
        span.set_attribute("lockgate.version", ex.version)
    if ex.fallback is not None:
        span.set_attribute("lockgate.fallback", ex.fallback)
    if ex.prompt_tokens is not None:
        span.set_attribute("gen_ai.usage.input_tokens", ex.prompt_tokens)
    if ex.completion_tokens is not None:
        span.set_attribute("gen_ai.usage.output_tokens", ex.completion_tokens)
    if ex.principal is not None:
        span.set_attribute("lockgate.key_id", ex.principal.key_id)
    if ex.status >= 500:
        span.set_status(StatusCode.ERROR, ex.error_code or "")


def _read_reply(ex: Exchange, body: bytes, output: OutputSpec) -> None:
    """Token usage, finish reason and the configured output label from one parse of the answer."""
    try:
        reply = orjson.loads(body)
    except orjson.JSONDecodeError:
        return
    if not isinstance(reply, dict):
        return
    set_usage(ex, reply.get("usage"))
    choices = reply.get("choices")
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        finish = choices[0].get("finish_reason")
        ex.finish_reason = finish if isinstance(finish, str) else None
    if output.label is not None:
        label = pointer(reply, output.label)
        ex.label = str(label)[:100] if label is not None else None
    if output.confidence is not None:
        confidence = pointer(reply, output.confidence)
        if isinstance(confidence, int | float) and not isinstance(confidence, bool):
            ex.confidence = float(confidence)


def _last_user_text(messages: list[object]) -> str | None:
    """The text of the last user message (string or OpenAI content parts)."""
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                parts = [p.get("text") for p in content if isinstance(p, dict)]
                return " ".join(p for p in parts if isinstance(p, str))
    return None
