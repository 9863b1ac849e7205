"""What every command needs: the manifest found the usual way, the store, and consoles."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

import typer
from rich.console import Console

from lockgate.manifest import LoadedManifest, find_config, load
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
