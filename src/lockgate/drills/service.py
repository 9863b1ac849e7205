"""Run a drill for a manifest: safety checks, the key, the run, and the evidence."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

from lockgate.drills import history
from lockgate.drills.client import GatewayClient
from lockgate.drills.errors import DrillRefused
from lockgate.drills.keys import KeySource, MintedKeys
from lockgate.drills.model import DrillReport, ScenarioName, Settings
from lockgate.drills.runner import DrillRunner, OnProgress
from lockgate.drills.scenarios import DrillContext, build
from lockgate.drills.scenarios.base import utc_now
from lockgate.errors import ConfigError
from lockgate.manifest import LoadedManifest, Stage, UpstreamAPI, parse
from lockgate.store import revisions
from lockgate.store.db import Store

DEFAULT_GATEWAY = "http://127.0.0.1:8700"


def stages(loaded: LoadedManifest, store: Store) -> set[Stage]:
    """The service's stage in the manifest file and in the revision the gateways run."""
    manifest = loaded.manifest
    found = {manifest.service.stage}
    in_force = revisions.latest(store, manifest.service.name)
    if in_force is not None:
        # A revision that no longer parses cannot be in force on a current gateway.
        with contextlib.suppress(ConfigError):
            found.add(parse(in_force.text).service.stage)
    return found


def refuse_production(loaded: LoadedManifest, store: Store, *, allow: bool) -> None:
    """Refuse a production service unless explicitly allowed."""
    if Stage.PRODUCTION in stages(loaded, store) and not allow:
        raise DrillRefused(
            f"{loaded.manifest.service.name} is in the production stage: a drill injects real "
            "faults into real traffic; pass --allow-production if that is the intent"
        )


def _openai_only(loaded: LoadedManifest) -> str | None:
    manifest = loaded.manifest
    spec = manifest.versions[manifest.stable_version]
    if spec.api is not UpstreamAPI.OPENAI:
        return (
            f"drills send OpenAI-compatible chat traffic; the stable version "
            f"{manifest.stable_version} uses api: {spec.api.value}"
        )
    return None


async def run_drill(
    name: ScenarioName,
    *,
    loaded: LoadedManifest,
    store: Store,
    actor: str,
    gateway: str = DEFAULT_GATEWAY,
    keys: KeySource | None = None,
    allow_production: bool = False,
    rate: float | None = None,
    settings: Settings | None = None,
    on_progress: OnProgress | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> DrillReport:
    """Run scenario ``name`` against the gateway and record it as evidence when it ran.

    Without ``keys`` the drill mints short-lived keys with just the scopes it needs and revokes
    them at the end.
    """
    refuse_production(loaded, store, allow=allow_production)
    manifest = loaded.manifest
    settings = settings or Settings.from_manifest(manifest.drills, name, rate=rate)
    scenario = build(name)
    unsupported = _openai_only(loaded)
    if unsupported is not None:
        return DrillReport(
            name, manifest.service.name, utc_now(), available=False, missing=unsupported
        )
    source = keys or MintedKeys(
        store,
        name=f"drill {name.value}",
        scopes=scenario.scopes,
        service=manifest.service.name,
        actor=actor,
    )
    try:
        async with GatewayClient(
            gateway,
            source.token,
            service=manifest.service.name,
            user_header=manifest.gateway.user_header,
            clock=clock,
        ) as client:
            ctx = DrillContext(client, store, manifest, settings, actor)
            report = await DrillRunner(scenario, ctx, on_progress=on_progress, clock=clock).run()
    finally:
        if keys is None:
            source.close()
    if report.available:
        history.record(store, report, actor=actor)
    return report
