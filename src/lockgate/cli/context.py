"""What every command needs: the manifest found the usual way, the store, and consoles."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from lockgate.manifest import LoadedManifest, find_config, load, parse
from lockgate.store import migrate
from lockgate.store.db import Store
from lockgate.store.locate import open_store

out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)


@dataclass
class CliState:
    """Options given before the command, e.g. ``lockgate --config FILE keys list``."""

    config: str | None = None

    @property
    def config_path(self) -> Path:
        """``--config``, else ``$LOCKGATE_CONFIG``, else ``./lockgate.yaml``."""
        return find_config(self.config)

    def manifest(self) -> LoadedManifest:
        """The validated manifest."""
        return load(self.config_path)

    def store(self) -> Store:
        """The manifest's store, migrated to the newest schema."""
        store = open_store(self.manifest())
        migrate.upgrade(store)
        return store

    def in_force(self) -> LoadedManifest:
        """The configuration the running gateways use: the newest applied revision, else the file.

        Commands that act on the running system (rollouts, flags, alert tests) use this, so they
        follow `lockgate apply` exactly as the gateways do.
        """
        from lockgate.store import revisions

        loaded = self.manifest()
        newest = revisions.latest(self.store(), loaded.manifest.service.name)
        if newest is None or newest.revision == loaded.revision:
            return loaded
        err.print(
            f"note: using configuration revision {newest.id} (in force), not {loaded.path}",
            highlight=False,
        )
        return LoadedManifest(
            manifest=parse(newest.text, source=f"revision {newest.id}"),
            path=loaded.path,
            text=newest.text,
        )


def state(ctx: typer.Context) -> CliState:
    """The CLI state of this invocation."""
    obj = ctx.find_root().obj
    if not isinstance(obj, CliState):
        obj = CliState()
        ctx.find_root().obj = obj
    return obj


def cli_actor() -> str:
    """How the person at the terminal is named in the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
