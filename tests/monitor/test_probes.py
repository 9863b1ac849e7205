"""Golden-set probes against the serving versions: pass rate as a gauge and as evidence."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

from prometheus_client import CollectorRegistry

from lockgate.example.dataset import GOLDEN_PATH
from lockgate.example.server import create_app as example_app
from lockgate.gateway.upstream import AiohttpUpstream
from lockgate.monitor.probes import GoldenProbes
from lockgate.rollout.preflight import GoldenSetPreflight
from lockgate.store import evidence
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve


def test_probe_scores_the_stable_version(tmp_path: Path) -> None:
    """The stable v1 answers the golden set well; the run is a gauge and evidence."""
    shutil.copyfile(GOLDEN_PATH, tmp_path / "golden.jsonl")
    with serve(example_app("v1", seed=1)) as upstream:
        data = manifest_dict({"v1": upstream})
        data["monitors"] = {"probes": {"golden_set": "golden.jsonl", "pass_threshold": 0.9}}
        with running_gateway(tmp_path, data) as gw:
            runtime = gw.runtime
            registry = CollectorRegistry()

            async def probe() -> dict[str, float]:
                upstream = AiohttpUpstream()
                try:
                    probes = GoldenProbes(
                        loaded=lambda: runtime.loaded,
                        preflight=GoldenSetPreflight(runtime.services, upstream, tmp_path),
                        store=runtime.store, registry=registry, is_leader=lambda: True,
                        active=runtime.routing.active,
                    )  # fmt: skip
                    return await probes.probe_once()
                finally:
                    await upstream.close()

            rates = asyncio.run(probe())
            assert rates["v1"] >= 0.9
            proof = evidence.latest(gw.store, "probe", subject="support-assistant/v1")
            assert proof is not None
            assert proof.passed
            assert proof.details["total_cases"] == 40
            sample = registry.get_sample_value(
                "lockgate_golden_pass_rate", {"service": "support-assistant", "version": "v1"}
            )
            assert sample == rates["v1"]
