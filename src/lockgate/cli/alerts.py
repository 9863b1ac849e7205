"""``lockgate alerts list|test|history|silence``: state, test deliveries, history, silences."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from typing import Annotated

import typer
from rich.table import Table

from lockgate.cli.context import cli_actor, out, state
from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest
from lockgate.manifest.types import parse_duration
from lockgate.monitor.alerts import (
    AlertDefinition,
    Delivery,
    Dispatcher,
    HttpClient,
    Kind,
    Notification,
    alert_definitions,
    build_notifiers,
    choose,
    matches,
)
from lockgate.store import alerts as stored

app = typer.Typer(help="Alert rules and SLO alerts: state, tests, history, silences.")


def register(root: typer.Typer) -> None:
    """Add the ``alerts`` group."""
    root.add_typer(app, name="alerts", no_args_is_help=True)


def _when(at: dt.datetime | None) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S}" if at else ""


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every alert with its condition, state, last change and silence."""
    loaded = state(ctx).in_force()
    service = loaded.manifest.service.name
    store = state(ctx).store()
    records = stored.load_states(store, service)
    now = dt.datetime.now(dt.UTC)
    active = stored.silences(store, service, now=now)
    table = Table("alert", "severity", "condition", "state", "since", "value", "silenced until")
    table.add_column("notify")
    for definition in alert_definitions(loaded.manifest):
        record = records.get(definition.key)
        status = record.state.status.value if record else "inactive"
        value = record.value if record else None
        until = max(
            (s.expires_at for s in active if matches(s.matcher, definition.key)), default=None
        )
        table.add_row(
            definition.key,
            definition.severity.value,
            definition.description,
            status,
            _when(record.state.since if record else None),
            "" if value is None else f"{value:.4g}",
            _when(until),
            ", ".join(definition.notify) or "(none)",
        )
    out.print(table)
    if active:
        silences = Table("silence", "matches", "until", "by", "reason", title="Active silences")
        for s in active:
            silences.add_row(s.id, s.matcher, _when(s.expires_at), s.created_by, s.reason)
        out.print(silences)


def _test_notification(definition: AlertDefinition, service: str) -> Notification:
    now = dt.datetime.now(dt.UTC)
    return Notification(
        alert=definition.key,
        service=service,
        kind=Kind.TEST,
        severity=definition.severity,
        summary=f"Test notification for {definition.key} ({definition.description}); "
        "no action needed.",
        at=now,
        dedup_key=f"lockgate/{service}/{definition.key}/test-{int(now.timestamp())}",
        version=definition.version,
        runbook=definition.runbook,
        details={"condition": definition.description, "test": True},
    )


async def _send_tests(
    loaded: LoadedManifest, chosen: Sequence[AlertDefinition]
) -> list[tuple[AlertDefinition, list[Delivery]]]:
    http = HttpClient()
    try:
        dispatcher = Dispatcher(build_notifiers(loaded, http))
        service = loaded.manifest.service.name
        return [
            (d, await dispatcher.send(_test_notification(d, service), d.notify)) for d in chosen
        ]
    finally:
        await http.close()


@app.command("test")
def test(
    ctx: typer.Context,
    rule: Annotated[str, typer.Argument(help="Rule name, SLO name, or alert key.")],
) -> None:
    """Send a test notification to the alert's notifiers and store the outcome as evidence."""
    loaded = state(ctx).in_force()
    chosen = [d for d in choose(alert_definitions(loaded.manifest), rule) if d.notify]
    if not chosen:
        raise ConfigError(f"{rule!r} names no notifier; add `notify: [...]` to it in the manifest")
    results = asyncio.run(_send_tests(loaded, chosen))
    store = state(ctx).store()
    table = Table("alert", "notifier", "delivered", "attempts", "detail")
    failed = False
    for definition, deliveries in results:
        stored.record_tests(
            store,
            service=loaded.manifest.service.name,
            rule=definition.key,
            results=[(d.notifier, d.delivered, d.detail) for d in deliveries],
            actor=cli_actor(),
        )
        for d in deliveries:
            failed = failed or not d.delivered
            mark = "yes" if d.delivered else "NO"
            table.add_row(definition.key, d.notifier, mark, str(d.attempts), d.detail)
    out.print(table)
    if failed:
        raise typer.Exit(1)


@app.command("history")
def history(
    ctx: typer.Context,
    alert: Annotated[str | None, typer.Option(help="Only this alert key.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="Entries to show.")] = 50,
) -> None:
    """Transitions and deliveries, newest first."""
    loaded = state(ctx).in_force()
    events = stored.history(
        state(ctx).store(), loaded.manifest.service.name, limit=limit, key=alert
    )
    table = Table("at", "alert", "event", "severity", "episode", "value", "message")
    for e in events:
        value = "" if e.value is None else f"{e.value:.4g}"
        table.add_row(_when(e.at), e.key, e.kind, e.severity, str(e.episode), value, e.message)
    out.print(table)


@app.command("silence")
def silence(
    ctx: typer.Context,
    rule: Annotated[str, typer.Argument(help="Rule name, SLO name, or alert key.")],
    for_: Annotated[str, typer.Option("--for", help="How long, e.g. 30m, 1h, 2d.")],
    reason: Annotated[str, typer.Option(help="Why, for the audit log (required).")],
) -> None:
    """Hold notifications of matching alerts back until the silence expires (audited)."""
    loaded = state(ctx).in_force()
    try:
        seconds = parse_duration(for_)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if seconds <= 0 or not reason.strip():
        raise ConfigError("a silence needs a positive --for and a non-empty --reason")
    chosen = choose(alert_definitions(loaded.manifest), rule)
    matcher = rule if any(matches(rule, d.key) for d in chosen) else f"slo:{rule}"
    created = stored.add_silence(
        state(ctx).store(),
        service=loaded.manifest.service.name,
        matcher=matcher,
        seconds=seconds,
        reason=reason,
        actor=cli_actor(),
    )
    names = ", ".join(d.key for d in chosen)
    out.print(f"silence {created.id}: {names} until {_when(created.expires_at)} UTC")
