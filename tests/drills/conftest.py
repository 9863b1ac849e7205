"""Fixtures for drills: the real example service, a real gateway, and the loops a gateway runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lockgate.example.model import train
from lockgate.example.server import create_app
from tests.support.gateway import Gateway, manifest_dict, running_gateway
from tests.support.servers import serve

SERVICE = "support-assistant"
STATIC = "Our assistant is unavailable right now; please try again shortly."


@pytest.fixture(scope="session")
def v1_url() -> Iterator[str]:
    """The example service's release v1 (trained once per session) on loopback."""
    with serve(create_app("v1", model=train("v1"))) as url:
        yield url


@pytest.fixture(scope="session")
def v3_url() -> Iterator[str]:
    """The example service's bad release v3, with seeded faults."""
    with serve(create_app("v3", seed=5, model=train("v3"))) as url:
        yield url


def drill_manifest(v1_url: str, **drills: Any) -> dict[str, Any]:
    """v1 (stable) and v2 on the example service, a fallback chain, short drill targets."""
    data = manifest_dict({"v1": v1_url, "v2": v1_url})
    data["fallback"] = {
        "chain": [{"action": "version", "version": "v2"}, {"action": "static", "message": STATIC}],
        "circuit_breaker": {
            "failure_rate": 0.5,
            "min_requests": 5,
            "window": "5s",
            "open_for": "1s",
            "half_open_probes": 1,
        },
    }
    data["telemetry"] = {"request_logs": False, "tracing": {"enabled": False}}
    data["drills"] = {
        "rate": 25,
        "streak": 4,
        "hold": 0.5,
        "grace": 1.5,
        "upstream_down": {"detect": "3s", "mitigate": "3s", "recover": "5s"},
        "kill_switch": {"detect": "3s", "mitigate": "3s", "recover": "3s"},
        "latency_spike": {"detect": "6s", "recover": "5s", "latency": "400ms"},
        **drills,
    }
    return data


@pytest.fixture
def gateway(tmp_path: Path, v1_url: str) -> Iterator[Gateway]:
    """A real gateway in front of the example service, configured for drills."""
    with running_gateway(tmp_path, drill_manifest(v1_url)) as gw:
        yield gw
