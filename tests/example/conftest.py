"""Fixtures for the example service: trained releases and real uvicorn servers on loopback."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from starlette.applications import Starlette

from lockgate.example.model import VERSIONS, IntentModel, train
from lockgate.example.server import create_app

V3_SEED = 7


@contextmanager
def running(app: Starlette, *, timeout: float = 15.0) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port until /healthz answers."""
    # IPPROTO_TCP explicitly: asyncio only sets TCP_NODELAY on sockets whose proto says TCP, and
    # without it every response waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    config = uvicorn.Config(
        app, log_level="warning", lifespan="off", ws="none", loop="asyncio", http="h11"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    try:
        while True:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"example server on {url} did not become healthy")
            try:
                if httpx.get(f"{url}/healthz", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.02)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=timeout)
        sock.close()


@pytest.fixture(scope="session")
def models() -> Mapping[str, IntentModel]:
    """Every release, trained once for the whole session."""
    return {version: train(version) for version in VERSIONS}


@pytest.fixture(scope="session")
def v1_url(models: Mapping[str, IntentModel]) -> Iterator[str]:
    """Base URL of a real server running release v1."""
    with running(create_app("v1", model=models["v1"])) as url:
        yield url


@pytest.fixture(scope="session")
def v3_url(models: Mapping[str, IntentModel]) -> Iterator[str]:
    """Base URL of a real server running the bad release v3 with seeded faults."""
    with running(create_app("v3", seed=V3_SEED, model=models["v3"])) as url:
        yield url
