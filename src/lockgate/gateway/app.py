"""The gateway as one ASGI application.

Data-plane routes are dispatched by a plain path match straight into the pipeline (no framework on
the hot path); ``/admin`` goes to the FastAPI admin app. The lifespan migrates the store, loads
keys, starts the request log writer and the key refresh, and flushes everything on shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

import structlog
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from lockgate.auth.keyring import token_from_headers
from lockgate.auth.scopes import Scope as KeyScope
from lockgate.errors import LockgateError, NotFound, RequestError
from lockgate.gateway import feedback
from lockgate.gateway.asgi import (
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    header,
    send_bytes,
    send_error,
    send_json,
)
from lockgate.gateway.pipeline import Pipeline
from lockgate.gateway.runtime import Runtime
from lockgate.manifest import LoadedManifest, parse
from lockgate.manifest.model import Manifest
from lockgate.monitor import scrape
from lockgate.monitor.alerts.evaluator import AlertEvaluator
from lockgate.monitor.housekeeping import GAUGE_PERIOD, PURGE_PERIOD
from lockgate.store import faults, migrate, revisions

log = structlog.get_logger("lockgate.gateway")

FAULT_REFRESH = 1.0
CONFIG_REFRESH = 1.0
INVOKE_PREFIX = "/v1/services/"
INVOKE_SUFFIX = "/invoke"


class MethodNotAllowed(RequestError):
    """The route exists but not for this method."""

    status = 405
    code = "method_not_allowed"


def create_app(runtime: Runtime, *, migrate_on_start: bool = True) -> ASGIApp:
    """The gateway ASGI app for ``runtime``."""
    pipeline = Pipeline(runtime)
    control = _ControlPlane(runtime)
    lifecycle = Lifecycle(runtime, migrate_on_start=migrate_on_start)

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            await _guarded(_dispatch, scope, receive, send)
        elif kind == "lifespan":
            await lifecycle(scope, receive, send)

    async def _dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        if path == "/v1/chat/completions":
            _allow(method, "POST")
            await pipeline.chat(scope, receive, send)
        elif path.startswith(INVOKE_PREFIX) and path.endswith(INVOKE_SUFFIX):
            _allow(method, "POST")
            service = path[len(INVOKE_PREFIX) : -len(INVOKE_SUFFIX)]
            await pipeline.invoke(scope, receive, send, service)
        elif path == "/v1/feedback":
            _allow(method, "POST")
            await feedback.handle(runtime, scope, receive, send)
        elif path == "/v1/models":
            _allow(method, "GET")
            await pipeline.models(scope, send)
        elif path == "/healthz":
            await send_json(send, 200, {"status": "ok"})
        elif path == "/readyz":
            await _ready(runtime, lifecycle, send)
        elif path == "/metrics":
            await _metrics(runtime, scope, send)
        elif path.startswith("/admin"):
            await control.admin()(scope, receive, send)
        elif path == "/ui" or path.startswith("/ui/"):
            await control.dashboard()(scope, receive, send)
        else:
            raise NotFound(f"no route {method} {path}; see the API reference in docs/")

    return app


class _ControlPlane:
    """The admin API and the dashboard, built on first use: serving models never loads them."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._admin: ASGIApp | None = None
        self._dashboard: ASGIApp | None = None

    def admin(self) -> ASGIApp:
        """The FastAPI admin application."""
        if self._admin is None:
            from lockgate.admin.app import create_admin

            self._admin = create_admin(self._runtime)
        return self._admin

    def dashboard(self) -> ASGIApp:
        """The on-call dashboard."""
        if self._dashboard is None:
            from lockgate.dashboard import create_dashboard

            self._dashboard = create_dashboard(self._runtime)
        return self._dashboard


def _allow(method: str, allowed: str) -> None:
    if method != allowed:
        raise MethodNotAllowed(f"use {allowed} on this route")


async def _guarded(handler: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Turn any escaped error into a JSON answer: never a traceback, never a bare 500 page."""
    started = False

    async def tracking_send(message: Message) -> None:
        nonlocal started
        if message["type"] == "http.response.start":
            started = True
        await send(message)

    try:
        await handler(scope, receive, tracking_send)
    except LockgateError as error:
        if not started:
            await send_error(send, error)
    except Exception as exc:
        log.exception("unhandled_error", path=scope.get("path"), error=type(exc).__name__)
        if not started:
            await send_error(send, LockgateError("internal error; the gateway log has the details"))


async def _ready(runtime: Runtime, lifecycle: Lifecycle, send: Send) -> None:
    store_ok = await asyncio.to_thread(runtime.store.ping)
    checks = {
        "store": store_ok,
        "config": lifecycle.ready,
        "keys": runtime.keyring.loaded_at > 0,
        "flags_fresh": not runtime.flags.stale,
    }
    status = 200 if all(checks.values()) else 503
    await send_json(send, status, {"status": "ready" if status == 200 else "not ready", **checks})


async def _metrics(runtime: Runtime, scope: Scope, send: Send) -> None:
    token = token_from_headers(header(scope, b"authorization"), header(scope, b"x-api-key"))
    principal = await runtime.keyring.authenticate(token)
    principal.require(KeyScope.METRICS_READ)
    scrape.refresh(runtime)
    body = generate_latest(runtime.registry)
    await send_bytes(send, 200, body, [(b"content-type", CONTENT_TYPE_LATEST.encode())])


class Lifecycle:
    """ASGI lifespan: start-up and graceful shutdown of the runtime's background work."""

    def __init__(self, runtime: Runtime, *, migrate_on_start: bool) -> None:
        self.runtime = runtime
        self.migrate_on_start = migrate_on_start
        self.ready = False
        self._tasks: list[asyncio.Task[None]] = []
        self._alerts: AlertEvaluator | None = None
        self._alerts_stop = asyncio.Event()

    async def __call__(self, _scope: Scope, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    await self.startup()
                except Exception as exc:
                    log.exception("startup_failed")
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def startup(self) -> None:
        """Migrate, load keys, start the writer and the key refresh."""
        rt = self.runtime
        if self.migrate_on_start:
            await asyncio.to_thread(migrate.upgrade, rt.store)
        await asyncio.to_thread(self._adopt_revision, starting=True)
        await asyncio.to_thread(rt.keyring.reload)
        await asyncio.to_thread(self._load_faults)
        await rt.flags.start()
        await asyncio.to_thread(rt.routing.refresh)
        rt.request_log.start()
        loop = asyncio.get_running_loop()
        interval = rt.loaded.manifest.rollout.analysis.interval
        self._tasks = [
            loop.create_task(rt.routing.run()),
            loop.create_task(rt.measurements.run(interval)),
            loop.create_task(rt.rollouts.run()),
            loop.create_task(rt.probes.run()),
            loop.create_task(self._every(rt.settings.key_refresh, rt.keyring.reload, "keys")),
            loop.create_task(self._every(FAULT_REFRESH, self._load_faults, "faults")),
            loop.create_task(self._every(CONFIG_REFRESH, self._adopt_revision, "config")),
            loop.create_task(self._every(GAUGE_PERIOD, rt.housekeeping.gauges, "gauges")),
            loop.create_task(self._every(PURGE_PERIOD, rt.housekeeping.purge, "purge")),
        ]
        self._alerts = AlertEvaluator.from_manifest(
            rt.store, rt.loaded, should_run=lambda: rt.rollouts.leader
        )
        self._alerts_stop = asyncio.Event()
        self._tasks.append(loop.create_task(self._alerts.run(self._alerts_stop)))
        self.ready = True
        log.info("gateway_started", services=sorted(rt.services), revision=rt.loaded.revision[:12])

    async def shutdown(self) -> None:
        """Stop the refresh, flush the request log, close upstream connections."""
        self.ready = False
        if self._alerts is not None:
            self._alerts_stop.set()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._alerts is not None:
            await self._alerts.close()
        await self.runtime.flags.close()
        await self.runtime.shadow.close()
        await self.runtime.handoffs.close()
        await self.runtime.request_log.close()
        await self.runtime.upstream.close()
        await asyncio.to_thread(self.runtime.tracing.shutdown)
        await asyncio.to_thread(self.runtime.store.close)

    def _adopt_revision(self, *, starting: bool = False) -> None:
        """Put the newest stored revision in force; the first start stores the file as one."""
        rt = self.runtime
        service = rt.loaded.manifest.service.name
        if rt.revision_id is not None and revisions.latest_id(rt.store, service) == rt.revision_id:
            return
        newest = revisions.latest(rt.store, service)
        if newest is None:
            first = revisions.apply(
                rt.store, rt.loaded.text, author=f"gateway@{socket.gethostname()}",
                source=str(rt.loaded.path), note=f"initial revision from {rt.loaded.path}",
            )  # fmt: skip
            rt.revision_id = first.id
            return
        if newest.revision == rt.loaded.revision:
            rt.revision_id = newest.id
            return
        if starting:
            log.warning(
                "manifest_file_differs_from_revision_in_force", revision=newest.id,
                file=str(rt.loaded.path), hint="run `lockgate apply FILE` to change the config",
            )  # fmt: skip
        loaded = LoadedManifest(
            manifest=parse(newest.text, source=f"revision {newest.id}"),
            path=rt.loaded.path,
            text=newest.text,
        )
        before = rt.loaded.manifest
        rt.reconfigure(loaded, newest.id)
        if _restart_needed(before, loaded.manifest):
            log.warning("config_change_needs_restart", revision=newest.id)
        log.info("config_revision_in_force", revision=newest.id, hash=newest.revision[:12])

    def _load_faults(self) -> None:
        self.runtime.faults.replace(faults.active(self.runtime.store))

    async def _every(self, interval: float, job: Callable[[], None], name: str) -> None:
        """Run a blocking refresh in a thread every ``interval``; failures keep the last state."""
        while True:
            await asyncio.sleep(interval)
            try:
                await asyncio.to_thread(job)
            except Exception:  # keep serving with the last known state
                log.exception("refresh_failed", job=name)


def _restart_needed(before: Manifest, after: Manifest) -> bool:
    """Settings bound at start: store, request log, telemetry, flag definitions, alerting."""

    def bound(manifest: Manifest) -> tuple[object, ...]:
        gateway = manifest.gateway
        return (
            gateway.database_url, gateway.data_dir, gateway.request_log, manifest.telemetry,
            manifest.flags, manifest.alerts, manifest.slos, manifest.monitors.drift,
        )  # fmt: skip

    return bound(before) != bound(after)
