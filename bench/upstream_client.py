"""Upstream client choice: aiohttp ClientSession against httpx AsyncClient in a pass-through.

The gateway spends much of its per-request budget in code it does not own: the ASGI server and
the HTTP client that calls the upstream. This measures the client alone: a minimal raw-ASGI
pass-through (uvicorn, uvloop, httptools, one worker) forwards each request to the same
fixed-response upstream with (a) a pooled ``aiohttp.ClientSession`` and (b) a pooled
``httpx.AsyncClient``. A third variant, the floor, answers without calling the upstream: what
uvicorn and the ASGI app cost on their own. Each is measured against its own direct baseline in
the same run, at concurrency 1 and 64, with the same load generator as ``bench/overhead.py``.

Run: ``python bench/upstream_client.py`` (under a minute), ``--quick`` for a smoke run.
Writes ``bench/results/upstream_client.json`` and ``.md`` (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
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
)
from lib.runner import RUN_HEADERS, RunPlan, measure_pairs, run_rows, warm_up
from lib.stats import Added, RunResult
from lib.targets import Server, start_passthrough, start_upstream

NAME = "upstream_client"
CLIENTS = ("aiohttp", "httpx")
FLOOR = "floor"
CONCURRENCIES = (1, 64)
MB = 1_000_000


@dataclass(frozen=True, slots=True)
class ClientResult:
    """One client's runs against its own direct baseline, and the pass-through's peak memory."""

    client: str
    version: str
    runs: tuple[RunResult, ...]
    added: tuple[Added, ...]
    peak_rss_bytes: int

    def run_at(self, concurrency: int) -> RunResult:
        """The pass-through's run at ``concurrency``."""
        return next(
            r for r in self.runs if r.target == self.client and r.concurrency == concurrency
        )

    def added_at(self, concurrency: int) -> Added:
        """The latency the pass-through adds at ``concurrency``."""
        return next(a for a in self.added if a.concurrency == concurrency)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "client": self.client,
            "version": self.version,
            "peak_rss_mb": round(self.peak_rss_bytes / MB, 1),
            "runs": [r.as_dict() for r in self.runs],
            "added": [a.as_dict() for a in self.added],
        }


def measure_client(
    gen: LoadGenerator, client: str, upstream: Server, work: Path, plan: RunPlan
) -> ClientResult:
    """Start the pass-through with ``client``, warm up, measure it against the direct path."""
    log_dir = work / client
    log_dir.mkdir()
    proxy = start_passthrough(client, log_dir, upstream.port)
    print(f"{client}: ready {proxy.ready_s:.2f} s", flush=True)
    with running(proxy.child):
        warm_up(gen, upstream, plan)
        warm_up(gen, proxy, plan)
        runs, added = measure_pairs(
            gen,
            direct=upstream,
            proxy=proxy,
            label=client,
            concurrencies=CONCURRENCIES,
            plan=plan,
        )
        rss = peak_rss_bytes(proxy.child.pid)
    version = (
        f"(uvicorn {metadata.version('uvicorn')})" if client == FLOOR else metadata.version(client)
    )
    return ClientResult(client, version, tuple(runs), tuple(added), rss)


def run_all(gen: LoadGenerator, plan: RunPlan) -> list[ClientResult]:
    """Start the upstream, then measure each client in turn (one pass-through at a time)."""
    with tempfile.TemporaryDirectory(prefix="lockgate-bench-") as tmp:
        work = Path(tmp)
        upstream = start_upstream(work)
        with running(upstream.child):
            return [measure_client(gen, c, upstream, work, plan) for c in (FLOOR, *CLIENTS)]


def comparison(results: Sequence[ClientResult]) -> list[tuple[object, ...]]:
    """One row per variant and concurrency: added latency, req/s, CPU per request.

    The last column is the CPU per request above the floor's: the client's own share.
    """
    floor = next((r for r in results if r.client == FLOOR), None)
    rows: list[tuple[object, ...]] = []
    for concurrency in CONCURRENCIES:
        floor_cpu = floor.run_at(concurrency).cpu_ms_per_request if floor else None
        for result in results:
            run = result.run_at(concurrency)
            added = result.added_at(concurrency)
            cpu = run.cpu_ms_per_request
            over_floor = (
                cpu - floor_cpu
                if cpu is not None and floor_cpu is not None and result.client != FLOOR
                else None
            )
            rows.append(
                (
                    result.client,
                    concurrency,
                    added.p50_ms,
                    added.p99_ms,
                    round(run.measured.rps),
                    cpu,
                    over_floor,
                )
            )
    return rows


def leader(results: Sequence[ClientResult]) -> str:
    """Which client did better on each measure, with the margin (computed, not assumed)."""
    results = [r for r in results if r.client != FLOOR]
    lines = []
    for concurrency in CONCURRENCIES:
        runs = {r.client: r.run_at(concurrency) for r in results}
        adds = {r.client: r.added_at(concurrency) for r in results}
        fastest = max(runs, key=lambda c: runs[c].measured.rps)
        lowest = min(adds, key=lambda c: adds[c].p50_ms)
        rps = sorted((r.measured.rps for r in runs.values()), reverse=True)
        ratio = rps[0] / rps[1] if len(rps) > 1 and rps[1] > 0 else 1.0
        lines.append(
            f"- concurrency {concurrency}: most req/s **{fastest}** ({ratio:.2f}x); "
            f"lowest added p50 **{lowest}** ({adds[lowest].p50_ms:.3f} ms)"
        )
    cpu = {
        r.client: sum(r.run_at(c).cpu_ms_per_request or 0.0 for c in CONCURRENCIES)
        / len(CONCURRENCIES)
        for r in results
    }
    cheapest = min(cpu, key=lambda c: cpu[c])
    lines.append(
        f"- least CPU per request (mean over both concurrencies): **{cheapest}** "
        + ", ".join(f"{c} {v:.3f} ms" for c, v in cpu.items())
    )
    return "\n".join(lines)


def render(results: Sequence[ClientResult], meta: dict[str, object]) -> str:
    """The Markdown report."""
    note = (
        "A raw-ASGI pass-through on uvicorn (uvloop, httptools, one worker) forwards to the "
        "fixed upstream with the client named; `floor` answers by itself (uvicorn and the ASGI "
        "app alone). CPU is the pass-through process's user plus system time per completed "
        "request."
    )
    lines = [
        *preamble("Upstream HTTP client: aiohttp against httpx", meta, note),
        "## Summary",
        "",
        markdown_table(
            [
                "variant",
                "concurrency",
                "added p50 ms",
                "added p99 ms",
                "req/s",
                "CPU ms/req",
                "CPU ms/req over floor",
            ],
            comparison(results),
        ),
        "",
        leader(results),
        "",
    ]
    for result in results:
        lines += [
            f"## {result.client} {result.version} (peak RSS {result.peak_rss_bytes / MB:.1f} MB)",
            "",
            markdown_table(RUN_HEADERS, run_rows(result.runs, result.added)),
            "",
        ]
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None = None) -> tuple[RunPlan, bool, str, Path]:
    """The run plan, quick flag, load generator choice and output folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, help="requests per measured run (10000)")
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--time-cap", type=float, help="seconds per measured run at most (10)")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    requests = args.requests or (300 if quick else 10_000)
    plan = RunPlan(
        requests=requests,
        warmup_requests=200 if quick else min(3_000, requests),
        time_cap_s=args.time_cap or (5.0 if quick else 10.0),
    )
    return plan, quick, args.generator, args.out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the comparison, print the tables, write the results."""
    plan, quick, generator_choice, out_dir = parse_args(argv)
    gen = choose_generator(generator_choice)
    print(f"load generator: {gen.name}", flush=True)
    env = environment(gen.name)
    results = run_all(gen, plan)
    env["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    meta: dict[str, object] = {
        "benchmark": NAME,
        "command": command_line(),
        "generated_at": now_utc(),
        "quick": quick,
        "environment": env,
        "requests_per_run": plan.requests,
        "warmup_requests": plan.warmup_requests,
        "time_cap_s": plan.time_cap_s,
    }
    data = {**meta, "clients": [r.as_dict() for r in results]}
    return publish(out_dir, NAME, data, render(results, meta))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
