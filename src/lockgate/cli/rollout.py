"""``lockgate rollout start|status|promote|pause|resume|abort|rollback|approve``.

The commands write to the store directly; running gateways pick the change up within a second.
"""

from __future__ import annotations

import asyncio
import time
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.live import Live

from lockgate.auth.keyring import KeyRing
from lockgate.cli.context import cli_actor, err, out, state
from lockgate.manifest.cutover import Strategy
from lockgate.rollout import service
from lockgate.rollout.render import status_view
from lockgate.rollout.service import Actor
from lockgate.store.db import Store
from lockgate.store.rollouts import RolloutRecord

app = typer.Typer(help="Canary, blue-green and shadow rollouts.", no_args_is_help=True)

Service = Annotated[str, typer.Argument(help="Service name (the manifest's service.name).")]
Reason = Annotated[str, typer.Option(help="Why, for the audit log and the rollout's events.")]


def register(root: typer.Typer) -> None:
    """Add the ``rollout`` group."""
    root.add_typer(app, name="rollout")


def _done(record: RolloutRecord) -> None:
    weight = record.progress.weight
    out.print(
        f"rollout {record.id[:12]} of {record.service}: {record.phase}, "
        f"{record.candidate} {weight:g} % / {record.baseline} {100 - weight:g} %"
    )


@app.command("start")
def start(
    ctx: typer.Context,
    service_name: Service,
    version: Annotated[str, typer.Argument(help="The version to roll out.")],
    strategy: Annotated[
        Strategy | None, typer.Option(help="Override the manifest's rollout.strategy.")
    ] = None,
    override: Annotated[
        bool, typer.Option("--override", help="Start outside the cutover windows.")
    ] = False,
    reason: Reason = "",
) -> None:
    """Start a rollout; a running rollout of the service is superseded."""
    cli = state(ctx)
    record = service.start(
        cli.store(),
        cli.in_force().manifest,
        service=service_name,
        version=version,
        actor=Actor(cli_actor()),
        strategy=strategy,
        override=override,
        reason=reason,
    )
    _done(record)


def _render(store: Store, service_name: str | None, events: int) -> RenderableType:
    records = service.status(store, service=service_name)
    recent = service.events(store, records[0].id, limit=events) if records else []
    return status_view(records, recent)


@app.command("status")
def status(
    ctx: typer.Context,
    service_name: Annotated[str | None, typer.Argument(help="Only this service.")] = None,
    watch: Annotated[bool, typer.Option("--watch", help="Refresh until Ctrl-C.")] = False,
    every: Annotated[float, typer.Option(help="Seconds between refreshes.", min=0.2)] = 2.0,
    events: Annotated[int, typer.Option(help="Recent events shown.", min=0, max=200)] = 10,
    iterations: Annotated[int, typer.Option(hidden=True, min=1)] = 1_000_000,
) -> None:
    """Phase, weights, step, the last verdict with its numbers and reasons, recent events."""
    store = state(ctx).store()
    if not watch:
        out.print(_render(store, service_name, events))
        return
    with Live(_render(store, service_name, events), console=out, auto_refresh=False) as live:
        for _ in range(iterations - 1):
            time.sleep(every)
            live.update(_render(store, service_name, events), refresh=True)


def _operate(ctx: typer.Context, name: str, service_name: str, reason: str) -> None:
    operation = getattr(service, name)
    record = operation(state(ctx).store(), service_name, actor=Actor(cli_actor()), reason=reason)
    _done(record)


@app.command("promote")
def promote(ctx: typer.Context, service_name: Service, reason: Reason = "") -> None:
    """Skip the remaining steps; promotion still needs an approval where one is required."""
    _operate(ctx, "promote", service_name, reason)


@app.command("pause")
def pause(ctx: typer.Context, service_name: Service, reason: Reason = "") -> None:
    """Hold the rollout where it is; traffic stays as it is."""
    _operate(ctx, "pause", service_name, reason)


@app.command("resume")
def resume(ctx: typer.Context, service_name: Service, reason: Reason = "") -> None:
    """Continue a paused rollout; the current step's analysis starts again."""
    _operate(ctx, "resume", service_name, reason)


@app.command("abort")
def abort(ctx: typer.Context, service_name: Service, reason: Reason = "") -> None:
    """Stop before promotion: all traffic to the baseline now."""
    _operate(ctx, "abort", service_name, reason)


@app.command("rollback")
def rollback(ctx: typer.Context, service_name: Service, reason: Reason = "") -> None:
    """All traffic to the baseline at once, in any phase, also outside cutover windows."""
    _operate(ctx, "rollback", service_name, reason)


@app.command("approve")
def approve(
    ctx: typer.Context,
    service_name: Service,
    key: Annotated[
        str,
        typer.Option(
            envvar="LOCKGATE_API_KEY",
            help="Your API key with the scope rollouts:approve (or $LOCKGATE_API_KEY).",
        ),
    ],
    reason: Reason = "",
) -> None:
    """Approve the promotion; the key must differ from the one that started the rollout."""
    store = state(ctx).store()
    principal = asyncio.run(KeyRing(store).authenticate(key))
    record = service.approve(
        store, service_name, actor=Actor.from_principal(principal), reason=reason
    )
    err.print(f"approved by key {principal.key_id} ({principal.name})")
    _done(record)
