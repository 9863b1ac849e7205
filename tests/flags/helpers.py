"""Shared flag fixtures: a small manifest's flags and an async wait with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from lockgate.flags import FlagDefinition, from_specs
from lockgate.manifest.cutover import FlagKind, FlagSpec, TargetingRule

SERVICE = "support-assistant"
KILL = f"{SERVICE}.enabled"


def specs() -> dict[str, FlagSpec]:
    """One flag of each kind, with targeting, as a manifest would declare them."""
    return {
        "new-prompt": FlagSpec(
            kind=FlagKind.BOOLEAN,
            default=False,
            rules=[
                TargetingRule(attribute="tenant", op="in", values=["acme", "globex"], serve=True),
                TargetingRule(attribute="header:x-beta", op="eq", values=["1"], percentage=50),
            ],
        ),
        "long-context": FlagSpec(kind=FlagKind.PERCENTAGE, default=20),
        "model-choice": FlagSpec(
            kind=FlagKind.VARIANT,
            default="small",
            variants={"small": "gpt-small", "large": "gpt-large", "tiny": "gpt-tiny"},
            rules=[TargetingRule(attribute="user", op="eq", values=["vip"], serve="large")],
        ),
    }


def definitions() -> dict[str, FlagDefinition]:
    """The flags of ``specs()`` plus the service's kill switch."""
    return from_specs(specs(), [SERVICE])


async def eventually(predicate: Callable[[], Any], *, timeout: float, step: float = 0.005) -> float:
    """Seconds until ``predicate()`` is true; fails after ``timeout``."""
    started = time.perf_counter()
    while not predicate():
        elapsed = time.perf_counter() - started
        if elapsed > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)
    return time.perf_counter() - started
