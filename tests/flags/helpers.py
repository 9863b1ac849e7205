"""Shared flag fixtures: a small manifest's flags and an async wait with a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI

from lockgate.admin import errors
from lockgate.admin import flags as flags_api
from lockgate.auth import manage
from lockgate.auth.keyring import KeyRing
from lockgate.auth.scopes import Scope
from lockgate.flags import FlagDefinition, from_specs
from lockgate.flags.cache import FlagCache
from lockgate.manifest.cutover import FlagKind, FlagSpec, TargetingRule
from lockgate.store.db import Store

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


async def eventually(predicate: Callable[[], Any], *, within: float, step: float = 0.005) -> float:
    """Seconds until ``predicate()`` is true; fails after ``within`` seconds."""
    started = time.perf_counter()
    while not predicate():
        elapsed = time.perf_counter() - started
        if elapsed > within:
            raise AssertionError(f"condition not met within {within}s")
        await asyncio.sleep(step)
    return time.perf_counter() - started


@dataclass
class Api:
    """A flags admin API on loopback, its store and its replica's cache."""

    url: str
    store: Store
    cache: FlagCache

    def headers(self, *scopes: Scope) -> dict[str, str]:
        _, token = manage.create_key(
            self.store, actor="test", name="flags-test", scopes=frozenset(scopes)
        )
        return {"authorization": f"Bearer {token}"}


def build_app(store: Store, cache: FlagCache) -> FastAPI:
    """The admin app as the gateway builds it, with only the flags router."""
    app = FastAPI()
    errors.install(app)
    app.include_router(flags_api.router)
    app.state.runtime = SimpleNamespace(store=store, keyring=KeyRing(store), flags=cache)
    return app
