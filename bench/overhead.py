"""Gateway overhead: the latency and throughput cost of putting ``lockgate serve`` in the path.

A fixed-response OpenAI-compatible upstream runs in its own process. The same load generator
(``wrk`` when installed, else an aiohttp closed-loop client, each in its own process) sends the
same chat-completion request (a) straight to the upstream and (b) through the gateway with its
full pipeline on (auth, routing, request log, metrics), at concurrency 1 and 64. When LiteLLM's
proxy is installed in ``.venv-peers/litellm`` it is measured the same way at 1, 32 and 64, in a
second phase with its own direct baseline, so that neither proxy runs while the other is
measured. Also reported: the gateway's peak RSS under load and its start-up time (spawn to the
first served chat completion).

Run: ``python bench/overhead.py`` (about two minutes with LiteLLM), ``--quick`` for a smoke run.
Writes ``bench/results/overhead.json`` and ``bench/results/overhead.md`` (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from lib.loadgen import LoadGenerator, choose_generator
from lib.procs import peak_rss_bytes, running
from lib.report import (
    RESULTS_DIR,
    command_line,
    environment,
    markdown_table,
    now_utc,
    preamble,
    publish,
    targets_table,
)
from lib.runner import RUN_HEADERS, RunPlan, measure_pairs, run_rows, warm_up
from lib.stats import Added, RunResult, Target
from lib.targets import Server, litellm_command, start_gateway, start_litellm, start_upstream

MB = 1_000_000
NAME = "overhead"


@dataclass(frozen=True, slots=True)
class Settings:
    """How much to send, how many gateway workers, whether to measure peers."""

    plan: RunPlan
    workers: int
    peers: bool
    quick: bool


@dataclass(frozen=True, slots=True)
class Phase:
    """One proxy measured against its own direct baseline in the same run."""

    name: str
    runs: tuple[RunResult, ...]
    added: tuple[Added, ...]
    ready_s: float
    startup_s: float
    peak_rss_bytes: int
    version: str

    def rps(self, concurrency: int) -> float | None:
        """The proxy's requests per second at ``concurrency``."""
        for run in self.runs:
            if run.target == self.name and run.concurrency == concurrency:
                return run.measured.rps
        return None

    def added_at(self, concurrency: int) -> Added | None:
        """The latency the proxy adds at ``concurrency``."""
        return next((a for a in self.added if a.concurrency == concurrency), None)

    def cpu_ms(self, concurrency: int) -> float | None:
        """The proxy's CPU milliseconds per request at ``concurrency``."""
        for run in self.runs:
            if run.target == self.name and run.concurrency == concurrency:
                return run.cpu_ms_per_request
        return None

    def errors(self) -> int:
        """Errors (failed or non-2xx requests) in the proxy's measured runs."""
        return sum(r.measured.errors for r in self.runs if r.target == self.name)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "proxy": self.name,
            "version": self.version,
            "ready_s": round(self.ready_s, 3),
            "startup_to_first_request_s": round(self.startup_s, 3),
            "peak_rss_mb": round(self.peak_rss_bytes / MB, 1),
            "runs": [r.as_dict() for r in self.runs],
            "added": [a.as_dict() for a in self.added],
        }


def run_phase(
    gen: LoadGenerator,
    upstream: Server,
    proxy: Server,
    *,
    concurrencies: Sequence[int],
    plan: RunPlan,
    version: str,
) -> Phase:
    """Warm up, measure, read the proxy's peak memory, stop the proxy."""
    print(
        f"{proxy.name}: ready {proxy.ready_s:.2f} s, first request {proxy.first_request_s:.2f} s",
        flush=True,
    )
    with running(proxy.child):
        warm_up(gen, upstream, plan)
        warm_up(gen, proxy, plan)
        runs, added = measure_pairs(
            gen,
            direct=upstream,
            proxy=proxy,
            label=proxy.name,
            concurrencies=concurrencies,
            plan=plan,
        )
        rss = peak_rss_bytes(proxy.child.pid)
    return Phase(
        name=proxy.name,
        runs=tuple(runs),
        added=tuple(added),
        ready_s=proxy.ready_s,
        startup_s=proxy.first_request_s,
        peak_rss_bytes=rss,
        version=version,
    )


def litellm_version(executable: Path) -> str:
    """The LiteLLM version installed in the peer venv."""
    python = executable.with_name("python")
    code = "import importlib.metadata as m; print(m.version('litellm'))"
    done = subprocess.run(
        [str(python), "-c", code], capture_output=True, text=True, timeout=30, check=False
    )
    return done.stdout.strip() or "unknown"


def run_all(gen: LoadGenerator, settings: Settings) -> list[Phase]:
    """Start the upstream, measure the gateway, then LiteLLM when installed and wanted.

    Each proxy is started only for its own phase, so neither runs while the other is measured.
    """
    litellm = litellm_command() if settings.peers else None
    phases = []
    with tempfile.TemporaryDirectory(prefix="lockgate-bench-") as tmp:
        work = Path(tmp)
        upstream = start_upstream(work)
        with running(upstream.child):
            (work / "lockgate").mkdir()
            gateway = start_gateway(work / "lockgate", upstream.port, settings.workers)
            phases.append(
                run_phase(
                    gen,
                    upstream,
                    gateway,
                    concurrencies=(1, 64),
                    plan=settings.plan,
                    version=metadata.version("lockgate"),
                )
            )
            if litellm is not None:
                version = litellm_version(litellm)
                (work / "litellm").mkdir()
                peer = start_litellm(litellm, work / "litellm", upstream.port)
                phases.append(
                    run_phase(
                        gen,
                        upstream,
                        peer,
                        concurrencies=(1, 32, 64),
                        plan=settings.plan,
                        version=version,
                    )
                )
    return phases


def targets(gateway: Phase, peer: Phase | None) -> list[Target]:
    """The gateway's goals, each with its measured value."""
    c1 = gateway.added_at(1)
    rps64 = gateway.rps(64)
    peer_rps = peer.rps(64) if peer is not None else None
    ratio = rps64 / peer_rps if rps64 is not None and peer_rps else None
    cpu64 = gateway.cpu_ms(64)
    peer_cpu = peer.cpu_ms(64) if peer is not None else None
    cpu_ratio = peer_cpu / cpu64 if peer_cpu is not None and cpu64 else None
    return [
        Target("added p50 latency at concurrency 1", 0.5, c1.p50_ms if c1 else None, "ms"),
        Target("added p99 latency at concurrency 1", 3.0, c1.p99_ms if c1 else None, "ms"),
        Target("throughput at concurrency 64", 3000, rps64, "req/s", at_least=True),
        Target("throughput vs LiteLLM at concurrency 64", 20, ratio, "x", at_least=True),
        Target(
            "CPU per request, LiteLLM's over the gateway's, at concurrency 64",
            20,
            cpu_ratio,
            "x",
            at_least=True,
        ),
        Target("peak RSS under load", 150, gateway.peak_rss_bytes / MB, "MB"),
        Target("start-up: spawn to first served request", 2.0, gateway.startup_s, "s"),
        Target("failed or non-2xx requests under load", 0, gateway.errors(), ""),
    ]


def render(phases: Sequence[Phase], goals: Sequence[Target], meta: dict[str, object]) -> str:
    """The Markdown report: runs per phase, servers, targets."""
    lines = preamble("Gateway overhead", meta)
    for phase in phases:
        lines += [
            f"## {phase.name} {phase.version} against the direct path",
            "",
            markdown_table(RUN_HEADERS, run_rows(phase.runs, phase.added)),
            "",
        ]
    lines += [
        "## Servers",
        "",
        markdown_table(
            ["server", "ready (s)", "spawn to first request (s)", "peak RSS (MB)"],
            [(p.name, p.ready_s, p.startup_s, round(p.peak_rss_bytes / MB, 1)) for p in phases],
        ),
        "",
        "## Targets",
        "",
        targets_table(goals),
        "",
    ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> tuple[Settings, str, Path]:
    """Settings, the load generator choice and the output folder from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, help="requests per measured run (10000)")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--time-cap", type=float, help="seconds per measured run at most (12)")
    parser.add_argument("--workers", type=int, default=1, help="gateway worker processes")
    parser.add_argument(
        "--peers",
        choices=("auto", "on", "off"),
        default="auto",
        help="measure LiteLLM when installed: auto (not with --quick), on, off",
    )
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    requests = args.requests or (300 if quick else 10_000)
    plan = RunPlan(
        requests=requests,
        warmup_requests=200 if quick else min(3_000, requests),
        time_cap_s=args.time_cap or (5.0 if quick else 12.0),
    )
    settings = Settings(
        plan=plan,
        workers=args.workers,
        peers=args.peers == "on" or (args.peers == "auto" and not quick),
        quick=quick,
    )
    return settings, args.generator, args.out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the results; 0 unless something failed."""
    settings, generator_choice, out_dir = parse_args(argv)
    gen = choose_generator(generator_choice)
    print(f"load generator: {gen.name}", flush=True)
    env = environment(gen.name)
    phases = run_all(gen, settings)
    env["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    gateway = phases[0]
    peer = phases[1] if len(phases) > 1 else None
    goals = targets(gateway, peer)
    meta: dict[str, object] = {
        "benchmark": NAME,
        "command": command_line(),
        "generated_at": now_utc(),
        "quick": settings.quick,
        "environment": env,
        "requests_per_run": settings.plan.requests,
        "warmup_requests": settings.plan.warmup_requests,
        "time_cap_s": settings.plan.time_cap_s,
        "gateway_workers": settings.workers,
    }
    data = {
        **meta,
        "phases": [p.as_dict() for p in phases],
        "targets": [t.as_dict() for t in goals],
    }
    return publish(out_dir, NAME, data, render(phases, goals, meta))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
