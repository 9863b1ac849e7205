"""`lockgate audit|datakeys|interactions|purge|forget` through Typer's runner, on a real store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
import typer
from click.testing import Result
from sqlalchemy import select, update
from typer.testing import CliRunner

from lockgate.cli import audit as audit_cli
from lockgate.cli import privacy as privacy_cli
from lockgate.cli.context import CliState
from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest, load
from lockgate.privacy.interactions import InteractionSink, open_ring
from lockgate.store import audit, migrate
from lockgate.store.db import Store
from lockgate.store.tables import AuditRecord, RequestLogEntry
from tests.privacy.store.support import (
    EMAIL,
    SQLITE_ONLY,
    chat,
    completion,
    data_section,
    leaks,
    record,
)
from tests.support.gateway import manifest_dict, write_manifest


def root_app() -> typer.Typer:
    """The `lockgate` root with only the groups under test, as `cli/main.py` registers them."""
    root = typer.Typer()

    @root.callback()
    def main() -> None:
        """Test root."""

    audit_cli.register(root)
    privacy_cli.register(root)
    return root


@pytest.fixture
def config(tmp_path: Path, db_url: str, keys: dict[str, str]) -> LoadedManifest:
    """A manifest pointing at the test database, storing payloads."""
    data = manifest_dict({"v1": "http://127.0.0.1:9"})
    data["gateway"]["database_url"] = db_url
    data["data"] = data_section(retention={"request_log": "30d", "interactions": "30d"})
    return load(write_manifest(tmp_path, data))


@pytest.fixture
def cli_store(config: LoadedManifest, open_store: Callable[[str], Store]) -> Store:
    """The store the CLI will open, migrated, for seeding and checking."""
    url = config.manifest.gateway.database_url
    assert url is not None
    store = open_store(url)
    migrate.upgrade(store)
    return store


def invoke(config: LoadedManifest, *args: str) -> Result:
    """Run one command against ``config``."""
    return CliRunner().invoke(
        root_app(), list(args), obj=CliState(config=str(config.path)), env={"COLUMNS": "200"}
    )


def _seed_audit(store: Store, count: int) -> list[AuditRecord]:
    for index in range(count):
        with store.transaction() as session:
            audit.append(session, actor="t", action="test.step", target=str(index))
    with store.transaction() as session:
        return list(session.scalars(select(AuditRecord).order_by(AuditRecord.seq)))


@pytest.mark.parametrize("tamper", ["edit", "delete", "reorder"])
def test_audit_verify_names_the_first_break(
    config: LoadedManifest, cli_store: Store, tamper: str
) -> None:
    """An intact chain prints OK with its count; an edit, delete or reorder exits 1 naming it."""
    records = _seed_audit(cli_store, 4)
    ok = invoke(config, "audit", "verify")
    assert ok.exit_code == 0, ok.output
    assert f"OK: 4 record(s) verified; head {records[-1].hash}" in ok.stdout
    first, second = records[1].seq, records[2].seq
    with cli_store.transaction() as session:
        if tamper == "edit":
            session.execute(
                update(AuditRecord).where(AuditRecord.seq == first).values(reason="nothing here")
            )
        elif tamper == "delete":
            session.delete(session.get(AuditRecord, first))
        else:
            for old, new in ((first, -1), (second, first), (-1, second)):
                session.execute(update(AuditRecord).where(AuditRecord.seq == old).values(seq=new))
    broken = invoke(config, "audit", "verify")
    assert broken.exit_code == 1
    where = second if tamper == "delete" else first
    assert f"BROKEN at record {where}:" in broken.stderr
    reason = "it was edited" if tamper == "edit" else "deleted, inserted or reordered"
    assert reason in broken.stderr


@SQLITE_ONLY
def test_audit_export_between_times(config: LoadedManifest, cli_store: Store) -> None:
    """JSON lines from --since (inclusive) to --until (exclusive), with their hashes."""
    records = _seed_audit(cli_store, 4)
    result = invoke(
        config, "audit", "export",
        "--since", records[1].at.isoformat(), "--until", records[3].at.isoformat(),
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["seq"] for line in lines] == [records[1].seq, records[2].seq]
    assert lines[0]["hash"] == records[1].hash
    assert lines[1]["prev_hash"] == records[1].hash
    everything = invoke(config, "audit", "export", "--since", "2000-01-01")
    assert len(everything.stdout.splitlines()) == 4
    bad = invoke(config, "audit", "export", "--since", "last tuesday")
    assert isinstance(bad.exception, ConfigError)


def _sink(config: LoadedManifest, store: Store) -> InteractionSink:
    return InteractionSink(store, lambda: config, ring=open_ring(config, store))


@SQLITE_ONLY
def test_datakeys_rotate_rewrap_and_list(config: LoadedManifest, cli_store: Store) -> None:
    """Rotation with --rewrap leaves every record under the new key; list shows the counts."""
    _sink(config, cli_store)([record(chat("one"), completion("ok")) for _ in range(2)])
    rotated = invoke(config, "datakeys", "rotate", "--rewrap", "--reason", "drill")
    assert rotated.exit_code == 0, rotated.output
    assert "re-encrypted 2 record(s)" in rotated.stdout
    listed = invoke(config, "datakeys", "list")
    rows = [line for line in listed.stdout.splitlines() if "dk_" in line]
    assert len(rows) == 2
    assert rows[0].split("│")[-2].strip() == "0"
    assert rows[1].split("│")[-2].strip() == "2"
    assert "yes" in rows[1]


@SQLITE_ONLY
def test_interactions_list_and_audited_show(config: LoadedManifest, cli_store: Store) -> None:
    """List gives provenance without payloads; show decrypts the redacted payload, audited."""
    _sink(config, cli_store)([record(chat(f"I am {EMAIL}"), completion("ok"))])
    listed = invoke(config, "interactions", "list", "--json")
    [item] = [json.loads(line) for line in listed.stdout.splitlines()]
    assert "payload" not in item
    shown = invoke(config, "interactions", "show", item["id"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.stdout)
    assert body["payload"]["request"]["messages"][0]["content"].startswith("I am <EMAIL_")
    assert not leaks(shown.stdout.encode(), (EMAIL,))
    with cli_store.transaction() as session:
        last = session.scalars(select(AuditRecord).order_by(AuditRecord.seq.desc())).first()
    assert last is not None
    assert (last.action, last.target) == ("interactions.read", item["id"])
    assert last.actor.startswith("cli:")
    missing = invoke(config, "interactions", "show", "ix_nope")
    assert missing.exception is not None and "no stored interaction" in str(missing.exception)


@SQLITE_ONLY
def test_purge_dry_run_then_run(config: LoadedManifest, cli_store: Store) -> None:
    """--dry-run reports what is due and deletes nothing; the run deletes it."""
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=40)
    with cli_store.transaction() as session:
        session.add(
            RequestLogEntry(
                request_id="r1", at=old, route="chat", status=200, stream=False, latency_ms=1.0
            )
        )
    dry = invoke(config, "purge", "--dry-run", "--json")
    assert json.loads(dry.stdout)["counts"] == {"request_log": 1, "interactions": 0}
    table = invoke(config, "purge", "--dry-run")
    assert "dry run: nothing was deleted" in table.stdout
    done = invoke(config, "purge")
    assert done.exit_code == 0, done.output
    assert "deleted" in done.stdout
    with cli_store.transaction() as session:
        assert list(session.scalars(select(RequestLogEntry.id))) == []


@SQLITE_ONLY
def test_forget_command(config: LoadedManifest, cli_store: Store) -> None:
    """`forget --email` deletes the person's interactions and prints pseudonyms, not the address."""
    _sink(config, cli_store)(
        [record(chat(f"I am {EMAIL}"), completion("ok")), record(chat("someone else"))]
    )
    result = invoke(config, "forget", "--email", EMAIL)
    assert result.exit_code == 0, result.output
    assert "deleted 1 interaction(s)" in result.stdout
    assert "EMAIL_" in result.stdout
    assert EMAIL not in result.output
    nobody = invoke(config, "forget")
    assert nobody.exit_code == 2
