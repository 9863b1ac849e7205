"""``evaluate_gate``: gather the evidence and judge one gate, for the CLI, docs and rollouts."""

from __future__ import annotations

import datetime as dt

from lockgate.manifest import LoadedManifest
from lockgate.manifest.service import Stage
from lockgate.readiness.evaluate import evaluate
from lockgate.readiness.gather import gather, manifest_uri
from lockgate.readiness.model import Gate, Report
from lockgate.store.db import Store


def evaluate_gate(
    manifest: LoadedManifest,
    store: Store | None,
    gate: Gate | str,
    *,
    now: dt.datetime | None = None,
) -> Report:
    """Gather the evidence for ``manifest`` from ``store`` and judge it against ``gate``."""
    snapshot = gather(manifest, store, now=now)
    return evaluate(snapshot, Gate(gate), manifest_uri=manifest_uri(manifest.path))


def gate_for(stage: Stage) -> Gate | None:
    """The gate a service at ``stage`` must keep passing (none at proof of concept)."""
    return {Stage.STAGING: Gate.STAGING, Stage.PRODUCTION: Gate.PRODUCTION}.get(stage)
