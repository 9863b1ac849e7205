"""Helpers for drill tests: run a drill, and run a gateway's background loops beside it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any

from lockgate.drills import DrillReport, Progress, ScenarioName, run_drill
from lockgate.manifest import load
from tests.support.gateway import Gateway


def drill(
    gw: Gateway, name: ScenarioName, *, seen: list[Progress] | None = None, **options: Any
) -> DrillReport:
    """Run scenario ``name`` against ``gw`` as the CLI would (keys minted and revoked)."""
    return asyncio.run(
        run_drill(
            name,
            loaded=load(gw.manifest_path),
            store=gw.store,
            actor="cli:test",
            gateway=gw.url,
            on_progress=seen.append if seen is not None else None,
            **options,
        )
    )


Job = Callable[[asyncio.Event], Coroutine[Any, Any, None]]


@contextmanager
def background(*jobs: Job) -> Iterator[None]:
    """Run ``jobs`` (each given a stop event) on their own event loop in a thread."""
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    started = threading.Event()

    async def main() -> None:
        started.set()
        tasks = [asyncio.create_task(job(stop)) for job in jobs]
        await stop.wait()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    started.wait(10)
    try:
        yield
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout=15)
        loop.close()
