"""``lockgate backup -o FILE`` and ``lockgate restore --verify FILE``.

``restore --verify`` exits 0 when the backup restores and every check holds, 1 when a check fails;
either way the outcome is recorded as evidence (``backup.restore``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from lockgate.backup import RestoreReport, create_backup, record_restore, verify_backup
from lockgate.cli.context import cli_actor, err, out, state
from lockgate.errors import ConfigError
from lockgate.store.locate import open_store


def register(root: typer.Typer) -> None:
    """Add the ``backup`` and ``restore`` commands."""
    root.command("backup")(backup)
    root.command("restore")(restore)


def backup(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="The backup file to write.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Back the store up while gateways run (SQLite backup API, or pg_dump -Fc)."""
    store = open_store(state(ctx).manifest())
    try:
        info = create_backup(store, output)
    finally:
        store.close()
    if as_json:
        print(json.dumps(info.as_dict(), indent=2))  # noqa: T201
        return
    out.print(
        f"backed up to {info.path} ({info.format}, {info.size:,} bytes, revision "
        f"{info.revision}, {info.seconds:.2f}s)\nsha256 {info.sha256}\n"
        f"verify it: lockgate restore --verify {info.path}"
    )


def _view(report: RestoreReport) -> Table:
    table = Table("check", "result", title=f"verified restore of {report.backup.name}")
    integrity = "ok" if not report.integrity else "; ".join(report.integrity)
    revision = report.revision or "none"
    if report.revision is not None and report.revision != report.head:
        revision += f" (head {report.head}: run `lockgate db upgrade` after restoring)"
    chain = (
        "intact"
        if report.chain_break is None
        else (f"breaks at record {report.chain_break.seq}: {report.chain_break.reason}")
    )
    table.add_row("integrity", integrity)
    table.add_row("migration revision", revision)
    table.add_row("audit chain", f"{chain} ({report.audit_records} records)")
    for name, count in sorted(report.counts.items()):
        table.add_row(f"rows in {name}", f"{count:,}")
    return table


def restore(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A file written by `lockgate backup`.")],
    verify: Annotated[
        bool, typer.Option("--verify", help="Restore into a scratch database and check it.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Restore a backup into a scratch database, check it, and record the result."""
    if not verify:
        raise ConfigError(
            "only verified restores into a scratch database are supported here (--verify); "
            "to replace a live store, stop the gateways and follow docs/drills.md"
        )
    store = state(ctx).store()
    try:
        report = verify_backup(file, server=store)
        record_restore(store, report, actor=cli_actor())
    finally:
        store.close()
    if as_json:
        print(json.dumps({"passed": report.passed, **report.details()}, indent=2))  # noqa: T201
    else:
        out.print(_view(report))
        for reason in report.reasons:
            err.print(Text(reason, style="red"))
        verdict = Text("PASSED", "bold green") if report.passed else Text("FAILED", "bold red")
        out.print(Text.assemble("verified restore: ", verdict, f" in {report.seconds:.2f}s"))
    if not report.passed:
        raise typer.Exit(1)
