"""Measuring servers: warm-up, a measured run with the server's CPU time, direct-vs-proxy pairs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from lib.loadgen import LoadGenerator, LoadSpec
from lib.procs import cpu_seconds
from lib.stats import Added, RunResult, added_latency
from lib.targets import CHAT_BODY, Server


@dataclass(frozen=True, slots=True)
class RunPlan:
    """Requests per measured run, requests to warm up with, and the time cap of each run."""

    requests: int
    warmup_requests: int
    time_cap_s: float


def spec(server: Server, concurrency: int, requests: int, time_cap_s: float) -> LoadSpec:
    """The same chat request to ``server``, with its headers."""
    return LoadSpec(server.url, CHAT_BODY, concurrency, requests, time_cap_s, server.headers)


def warm_up(gen: LoadGenerator, server: Server, plan: RunPlan) -> None:
    """Unmeasured traffic at concurrency 64 then 1, so pools, caches and lazy imports are warm."""
    gen.run(spec(server, 64, plan.warmup_requests, min(plan.time_cap_s, 5.0)))
    gen.run(spec(server, 1, max(50, plan.warmup_requests // 10), 3.0))


def measured_run(
    gen: LoadGenerator, server: Server, label: str, concurrency: int, plan: RunPlan
) -> RunResult:
    """One run of ``plan.requests`` requests, with the server's CPU time per request."""
    cpu_before = cpu_seconds(server.child.pid)
    measured = gen.run(spec(server, concurrency, plan.requests, plan.time_cap_s))
    cpu_used = cpu_seconds(server.child.pid) - cpu_before
    per_request = cpu_used * 1000 / measured.requests if measured.requests else None
    result = RunResult(label, concurrency, measured, per_request)
    print(f"  {label:<9} c={concurrency:<3} {line(result)}", flush=True)
    return result


def measure_pairs(
    gen: LoadGenerator,
    *,
    direct: Server,
    proxy: Server,
    label: str,
    concurrencies: Sequence[int],
    plan: RunPlan,
) -> tuple[list[RunResult], list[Added]]:
    """At each concurrency: the direct path, then the proxy, under identical load."""
    runs: list[RunResult] = []
    added: list[Added] = []
    for concurrency in concurrencies:
        base = measured_run(gen, direct, "direct", concurrency, plan)
        through = measured_run(gen, proxy, label, concurrency, plan)
        runs += [base, through]
        added.append(added_latency(base, through))
    return runs, added


def line(run: RunResult) -> str:
    """One progress line for a run."""
    m = run.measured
    cpu = "-" if run.cpu_ms_per_request is None else f"{run.cpu_ms_per_request:.3f}"
    return (
        f"{m.requests:>6} req  {m.rps:>9,.0f} req/s  p50 {m.p50_ms:7.3f} ms  "
        f"p99 {m.p99_ms:7.3f} ms  cpu/req {cpu} ms  errors {m.errors}"
    )


RUN_HEADERS = (
    "target",
    "concurrency",
    "requests",
    "errors",
    "req/s",
    "p50 ms",
    "p99 ms",
    "added p50 ms",
    "added p99 ms",
    "server CPU ms/req",
    "server cores busy",
)


def run_rows(runs: Sequence[RunResult], added: Sequence[Added]) -> list[tuple[object, ...]]:
    """Table rows for :data:`RUN_HEADERS`: added latency on the proxy rows only."""
    by_key = {(a.target, a.concurrency): a for a in added}
    rows: list[tuple[object, ...]] = []
    for run in runs:
        a = by_key.get((run.target, run.concurrency))
        m = run.measured
        rows.append(
            (
                run.target,
                run.concurrency,
                m.requests,
                m.errors,
                round(m.rps),
                m.p50_ms,
                m.p99_ms,
                a.p50_ms if a else None,
                a.p99_ms if a else None,
                run.cpu_ms_per_request,
                cores_busy(run),
            )
        )
    return rows


def cores_busy(run: RunResult) -> float | None:
    """CPU seconds the server used per second of the run.

    Near 1.0 at high concurrency means one worker was saturated; well below 1.0 there means
    other processes on the machine took part of its core.
    """
    if run.cpu_ms_per_request is None:
        return None
    return run.measured.rps * run.cpu_ms_per_request / 1000.0
