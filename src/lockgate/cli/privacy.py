"""``lockgate datakeys|interactions|purge|forget``: stored payloads, retention and erasure."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from lockgate.cli.context import cli_actor, err, out, state
from lockgate.manifest import LoadedManifest
from lockgate.privacy import kms, retention
from lockgate.privacy.interactions import (
    list_interactions,
    open_ring,
    pseudonymizer_for,
    read_interaction,
)
from lockgate.store import interactions as repo
from lockgate.store.db import Store

datakeys = typer.Typer(help="Data keys that encrypt stored payloads.", no_args_is_help=True)
interactions = typer.Typer(help="Stored interactions (redacted, encrypted).", no_args_is_help=True)


def register(root: typer.Typer) -> None:
    """Add the ``datakeys`` and ``interactions`` groups, ``purge`` and ``forget``."""
    root.add_typer(datakeys, name="datakeys")
    root.add_typer(interactions, name="interactions")
    root.command("purge")(purge)
    root.command("forget")(forget)


@contextmanager
def opened(ctx: typer.Context) -> Iterator[tuple[LoadedManifest, Store]]:
    """The manifest and its migrated store, closed when the command ends."""
    cli = state(ctx)
    loaded = cli.manifest()
    store = cli.store()
    try:
        yield loaded, store
    finally:
        store.close()


@datakeys.command("list")
def datakeys_list(ctx: typer.Context) -> None:
    """Data keys, oldest first, with how many records each encrypts (never the keys)."""
    table = Table("id", "created (UTC)", "active", "provider", "key-encryption key", "records")
    with opened(ctx) as (_, store), store.transaction() as session:
        for row, count in repo.data_keys_in_use(session):
            table.add_row(
                row.id, f"{row.created_at:%Y-%m-%d %H:%M:%S}", "yes" if row.active else "no",
                row.provider, row.kek_id, str(count),
            )  # fmt: skip
    out.print(table)


def _rewrap(loaded: LoadedManifest, store: Store) -> None:
    report = kms.rewrap(store, open_ring(loaded, store), actor=cli_actor())
    moved = ", ".join(f"{n} from {key}" for key, n in sorted(report.moved.items())) or "none"
    out.print(f"re-encrypted {report.total} record(s) under {report.active} ({moved})")
    if report.failed:
        err.print(f"{len(report.failed)} record(s) did not decrypt: {', '.join(report.failed)}")
        raise typer.Exit(1)


@datakeys.command("rotate")
def datakeys_rotate(
    ctx: typer.Context,
    rewrap: Annotated[
        bool, typer.Option("--rewrap", help="Also re-encrypt older records under the new key.")
    ] = False,
    reason: Annotated[str, typer.Option(help="Why, for the audit log.")] = "",
) -> None:
    """Make a new data key active; older records stay readable with their own keys."""
    with opened(ctx) as (loaded, store):
        key = open_ring(loaded, store).rotate(actor=cli_actor(), reason=reason)
        out.print(f"data key {key.id} is now active for new records")
        if rewrap:
            _rewrap(loaded, store)


@datakeys.command("rewrap")
def datakeys_rewrap(ctx: typer.Context) -> None:
    """Re-encrypt every record sealed with an older key under the active key."""
    with opened(ctx) as (loaded, store):
        _rewrap(loaded, store)


@interactions.command("list")
def interactions_list(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="How many, newest first.")] = 20,
    service: Annotated[str | None, typer.Option(help="Only this service.")] = None,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
) -> None:
    """Provenance of stored interactions (no payloads)."""
    with opened(ctx) as (_, store):
        found = list_interactions(store, limit=limit, service=service, tenant=tenant)
    if as_json:
        for item in found:
            typer.echo(json.dumps({k: v for k, v in item.as_dict().items() if k != "payload"}))
        return
    table = Table("id", "at (UTC)", "service", "version", "tenant", "status", "entities")
    for item in found:
        entities = ", ".join(f"{k}={v}" for k, v in sorted(item.entities.items())) or "-"
        table.add_row(
            item.id, f"{item.at:%Y-%m-%d %H:%M:%S}", item.service or "-", item.version or "-",
            item.tenant or "-", str(item.status), entities,
        )  # fmt: skip
    out.print(table)


@interactions.command("show")
def interactions_show(
    ctx: typer.Context,
    interaction_id: Annotated[str, typer.Argument(help="Id from `lockgate interactions list`.")],
) -> None:
    """Decrypt one interaction and print it as JSON (the read is audited)."""
    with opened(ctx) as (loaded, store):
        ring = open_ring(loaded, store)
        item = read_interaction(store, ring, interaction_id, actor=cli_actor())
    typer.echo(json.dumps(item.as_dict(), indent=2, ensure_ascii=False))


def purge(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would go; delete nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Delete stored data older than `data.retention` allows, per class."""
    with opened(ctx) as (loaded, store):
        report = retention.purge_once(store, loaded.manifest, dry_run=dry_run, actor=cli_actor())
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "dry_run": report.dry_run,
                    "counts": report.counts,
                    "unmanaged": list(report.unmanaged),
                    "run_id": report.run_id,
                    "audit_anchor": report.anchor_seq,
                }
            )
        )
        return
    table = Table("class", "retention (days)", "cutoff (UTC)", "due" if dry_run else "deleted")
    for item in report.classes:
        table.add_row(
            item.name, f"{item.retention_s / 86400:g}", f"{item.cutoff:%Y-%m-%d %H:%M:%S}",
            str(item.count),
        )  # fmt: skip
    out.print(table)
    if not report.classes:
        out.print("no class has a retention under data.retention: nothing is purged")
    if report.unmanaged:
        err.print(f"not purged by Lockgate (unknown classes): {', '.join(report.unmanaged)}")
    if dry_run:
        out.print("dry run: nothing was deleted")


def forget(
    ctx: typer.Context,
    email: Annotated[list[str] | None, typer.Option(help="E-mail address; repeatable.")] = None,
    phone: Annotated[list[str] | None, typer.Option(help="Phone number; repeatable.")] = None,
    pseudonym: Annotated[
        list[str] | None, typer.Option(help="Pseudonym such as EMAIL_3fa2c1; repeatable.")
    ] = None,
    tenant: Annotated[
        list[str] | None, typer.Option(help="Only these tenants (default: every tenant seen).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Show what would be deleted; delete nothing.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Erase one person: every stored interaction carrying their pseudonym, and linked rows."""
    if not (email or phone or pseudonym):
        err.print("error: name the person with --email, --phone or --pseudonym")
        raise typer.Exit(2)
    with opened(ctx) as (loaded, store):
        report = retention.forget(
            store,
            pseudonymizer_for(loaded),
            actor=cli_actor(),
            emails=email or (),
            phones=phone or (),
            pseudonyms=pseudonym or (),
            tenants=tenant,
            dry_run=dry_run,
        )
    if as_json:
        typer.echo(json.dumps(report.as_dict()))
        return
    verb = "would delete" if dry_run else "deleted"
    out.print(f"pseudonyms searched: {', '.join(report.pseudonyms)}")
    out.print(
        f"{verb} {len(report.interactions)} interaction(s), {report.request_log} request-log "
        f"row(s) and {report.handoffs} hand-off ticket(s) across {len(report.tenants)} tenant(s)"
    )
    for interaction_id in report.interactions:
        out.print(f"  {interaction_id}")
