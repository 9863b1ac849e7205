"""Failover: an upstream killed or hung under load, and kill-switch propagation across replicas.

Part 1. Two versions of the example support assistant (``python -m lockgate.example``; the fixed
upstream of ``bench/lib`` with ``--upstream fixed``) run behind ``lockgate serve`` on SQLite. The
manifest routes to ``v2`` with the chain ``retry (budget 0.1) -> version v1 -> handoff``, a 1 s
version timeout and a circuit breaker. An open-loop aiohttp client in its own process sends a
steady rate; 10 s in, ``v2`` is sent SIGKILL, and 10 s later it is started again on the same port.
A second run does the same with SIGSTOP and SIGCONT: an upstream that hangs instead of dying.
Reported: the share of requests answered during the outage, answers by fallback action, latency
against the timeout budget, when the circuit opened, and when ``v2`` answered again.

Part 2. Three ``lockgate serve`` replicas share one fresh PostgreSQL schema. The kill switch
``bench.enabled`` is flipped through the admin API of one replica after another, 20 times, while
each replica is polled every 10 ms; reported is the time until each replica's answers show it.

Run: ``python bench/failover.py`` (about two and a half minutes), ``--quick`` for a smoke run.
Writes ``bench/results/failover.json`` and ``bench/results/failover.md`` (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

from lib.killswitch import Flip, Plan, Replica, run_flips
from lib.outage import (
    Chain,
    Fault,
    LoadPlan,
    Run,
    UpstreamKind,
    run_outage,
    start_version,
    write_manifest,
)
from lib.pgschema import DEFAULT_BASE, fresh_schema, reachable
from lib.procs import Spawned, running
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
from lib.stats import Target, percentile
from lib.targets import (
    SERVICE,
    Server,
    create_key,
    lockgate_command,
    serve_config,
    start_upstream,
)
from lib.timeline import (
    NO_FALLBACK,
    Window,
    first_routed_answer,
    first_skip_after_hang,
    per_second,
    retry_trace,
    window,
)

NAME = "failover"
FLAG = f"{SERVICE}.enabled"
REPLICAS = 3
ANSWERED_GOAL = 0.999
PROPAGATION_GOAL_S = 1.0
PHASES = ("before the fault", "from the fault to recovery", "after recovery started")


@dataclass(frozen=True, slots=True)
class Settings:
    """What to run: the load plan, the upstream, the flips and where PostgreSQL is."""

    plan: LoadPlan
    upstream: UpstreamKind
    flips: int
    pg_base: str
    parts: frozenset[str]
    quick: bool
    work: Path | None = None


# -- part 1: outage ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OutageReport:
    """The figures of one outage run."""

    fault: Fault
    run: Run
    windows: tuple[Window, ...]
    whole: Window
    open_after_s: float | None
    open_resolution_s: float | None
    open_method: str
    recovered_after_s: float | None
    recovered_after_back_s: float | None

    @property
    def outage(self) -> Window:
        """The window from the fault until ``v2`` answered again."""
        return self.windows[1]

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form, times in seconds from the first request."""
        run = self.run
        return {
            "fault": self.fault.value,
            "fault_at_s": round(run.fault_at - run.origin, 3),
            "recover_at_s": round(run.recover_at - run.origin, 3),
            "v2_back_s": round(run.back_at - run.origin, 3),
            "v2_start_s": round(run.v2_ready_s, 3),
            "circuit_open_after_fault_s": _r(self.open_after_s),
            "circuit_open_resolution_s": _r(self.open_resolution_s),
            "circuit_open_method": self.open_method,
            "v2_answering_after_recover_s": _r(self.recovered_after_s),
            "v2_answering_after_back_s": _r(self.recovered_after_back_s),
            "max_client_send_lag_ms": round(run.max_send_lag_s * 1000, 1),
            "gateway_cores_busy": dict(
                zip(PHASES, (round(c, 3) for c in run.gateway_cores), strict=False)
            ),
            "machine_cores_busy": dict(
                zip(PHASES, (round(c, 3) for c in run.machine_cores), strict=False)
            ),
            "windows": [w.as_dict(run.origin) for w in self.windows],
            "whole_run": self.whole.as_dict(run.origin),
            "per_second": per_second(run.samples, run.origin),
        }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def analyse(run: Run, chain: Chain, plan: LoadPlan) -> OutageReport:
    """Windows before, during and after the outage; circuit opening; recovery."""
    end = run.origin + plan.duration_s
    back = first_routed_answer(run.samples, run.recover_at, "v2")
    recovered = back.due if back is not None else end
    budget = chain.budget_s
    windows = (
        window(run.samples, "before the fault", run.origin, run.fault_at, budget),
        window(run.samples, "outage (fault to first v2 answer)", run.fault_at, recovered, budget),
        window(run.samples, "after recovery", recovered, end, budget),
    )
    if run.fault is Fault.HANG:
        quickest = min(chain.timeout_s, chain.connect_timeout_s)
        skip = first_skip_after_hang(run.samples, run.fault_at, run.recover_at, quickest)
        open_after = None if skip is None else skip.due - run.fault_at
        resolution: float | None = 1 / plan.rate
        method = "first request answered through a fallback faster than the connect timeout"
    else:
        trace = retry_trace(
            run.samples, run.fault_at, run.recover_at, chain.backoff_s, min_gap_s=1.0
        )
        last = trace.last_before_gap
        open_after = None if last is None else last - run.fault_at
        resolution = trace.median_spacing_s
        method = "last request that paid the retry back-off before retries stopped"
    return OutageReport(
        fault=run.fault,
        run=run,
        windows=windows,
        whole=window(run.samples, "whole run", run.origin, end, budget),
        open_after_s=open_after,
        open_resolution_s=resolution,
        open_method=method,
        recovered_after_s=None if back is None else back.due - run.recover_at,
        recovered_after_back_s=None if back is None else back.due - run.back_at,
    )


def run_outages(settings: Settings, chain: Chain, work: Path) -> list[OutageReport]:
    """Start v1 and v2, then the kill run and the hang run, each with a fresh gateway."""
    kind = settings.upstream
    reports = []
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        v1 = start_version(kind, "v1", work)
        stack.enter_context(running(v1.child))
        v2 = start_version(kind, "v2", work)
        stack.enter_context(running(v2.child))
        print(f"versions ready: v1 :{v1.port}, v2 :{v2.port} ({kind.value})", flush=True)

        def restart(port: int) -> Server:
            return start_version(kind, "v2", work, port=port)

        def keep(child: Spawned) -> None:
            stack.enter_context(running(child))

        config = write_manifest(work, v1.port, v2.port, chain)
        headers = {"Authorization": f"Bearer {create_key(config)}"}
        for fault in (Fault.KILL, Fault.HANG):
            run, v2 = run_outage(
                fault,
                config=config,
                headers=headers,
                work_dir=work / fault.value,
                v2=v2,
                plan=settings.plan,
                restart=restart,
                keep=keep,
            )
            report = analyse(run, chain, settings.plan)
            print(_outage_line(report), flush=True)
            reports.append(report)
    return reports


def _outage_line(report: OutageReport) -> str:
    w = report.outage
    share = w.answered_share
    return (
        f"{report.fault.value}: outage {w.requests} requests, answered "
        f"{'-' if share is None else f'{share:.4%}'}, max {w.max_s or 0:.3f} s, "
        f"circuit open after {_secs(report.open_after_s)}, "
        f"v2 answering {_secs(report.recovered_after_s)} after recovery started"
    )


def _fmt(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _secs(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f} s"


# -- part 2: kill switch -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SwitchReport:
    """Kill-switch flips and when each replica showed them, or why the part did not run."""

    flips: tuple[Flip, ...]
    skipped: str | None = None

    def seen(self, *, writer: bool | None = None, enabled: bool | None = None) -> list[float]:
        """Propagation times (s), optionally only on (or off) the writing replica, one direction."""
        out = []
        for flip in self.flips:
            if enabled is not None and flip.enabled is not enabled:
                continue
            for name, value in flip.seen_s.items():
                if value is None or (writer is not None and (name == flip.writer) is not writer):
                    continue
                out.append(value)
        return out

    def missing(self) -> int:
        """Replica-flips never seen within the timeout."""
        return sum(v is None for f in self.flips for v in f.seen_s.values())

    def flaps(self) -> int:
        """Answers that showed the old state after the new one had been seen."""
        return sum(sum(f.flaps.values()) for f in self.flips)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "skipped": self.skipped,
            "flag": FLAG,
            "replicas": REPLICAS,
            "flips": [f.as_dict() for f in self.flips],
            "summary": [dict(zip(SWITCH_HEADERS, row, strict=True)) for row in switch_rows(self)],
            "not_seen": self.missing(),
            "flaps": self.flaps(),
        }


def flags_available() -> str | None:
    """None when ``lockgate flags`` exists in this build, else why the part cannot run."""
    done = subprocess.run(
        [*lockgate_command(), "flags", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        return "`lockgate flags` is not available in this build"
    return None


def write_switch_manifest(work_dir: Path, upstream_port: int, database_url: str) -> Path:
    """One version, the kill switch declared, a static answer as the only fallback, PostgreSQL."""
    data_dir = work_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "lockgate.yaml"
    config.write_text(
        f"service: {{name: {SERVICE}, stage: poc}}\n"
        "versions:\n"
        f"  v1: {{upstream: 'http://127.0.0.1:{upstream_port}', stable: true, timeout: 2}}\n"
        "flags:\n"
        f"  {FLAG}: {{kind: boolean, default: true, description: Kill switch.}}\n"
        "fallback:\n"
        "  chain:\n"
        "    - {action: static, message: The assistant is switched off; an agent will help.}\n"
        f"gateway: {{data_dir: '{data_dir}', database_url: '{database_url}'}}\n"
    )
    return config


def start_replica(
    config: Path, work: Path, headers: Mapping[str, str], number: int, stack: contextlib.ExitStack
) -> Replica:
    """Start replica ``number`` and have ``stack`` stop it.

    Called from worker threads: registering appends to the stack's deque, which is atomic, and a
    replica is registered as soon as it is up, so an interrupted start leaves nothing running.
    """
    server = serve_config(config, work, headers, name=f"replica-{number}")
    stack.enter_context(running(server.child))
    return Replica(server.name, server.port)


def run_switch(settings: Settings, work: Path) -> SwitchReport:
    """Three replicas on one fresh schema; flip the kill switch and watch every replica."""
    why = flags_available() or reachable(settings.pg_base)
    if why is not None:
        print(f"kill switch: not run: {why}", flush=True)
        return SwitchReport((), skipped=why)
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        upstream = start_upstream(work)
        stack.enter_context(running(upstream.child))
        url = stack.enter_context(fresh_schema(settings.pg_base))
        config = write_switch_manifest(work, upstream.port, url)
        key = create_key(config, ("invoke", "flags:read", "flags:write"))
        headers = {"Authorization": f"Bearer {key}"}
        replicas = [start_replica(config, work, headers, 1, stack)]  # it migrates the schema
        with ThreadPoolExecutor(REPLICAS - 1) as pool:
            starting = [
                pool.submit(start_replica, config, work, headers, i, stack)
                for i in range(2, REPLICAS + 1)
            ]
            replicas += [f.result() for f in starting]
        print("kill switch: replicas on ports " + ", ".join(str(r.port) for r in replicas))
        try:
            flips = asyncio.run(
                run_flips(
                    replicas,
                    flag=FLAG,
                    invoke_headers=headers,
                    admin_headers=headers,
                    plan=Plan(flips=settings.flips),
                )
            )
        except RuntimeError as exc:
            print(f"kill switch: not run: {exc}", flush=True)
            return SwitchReport((), skipped=str(exc))
    report = SwitchReport(tuple(flips))
    if len(flips) < settings.flips:
        return SwitchReport(
            report.flips,
            skipped=f"a replica did not take flip {len(flips)} within 5 s; later flips not run",
        )
    return report


SWITCH_HEADERS = ("measured on", "samples", "p50 ms", "p99 ms", "max ms")


def switch_rows(report: SwitchReport) -> list[tuple[object, ...]]:
    """p50/p99/max per view of the flips."""
    views = (
        ("every replica, both directions", report.seen()),
        ("switched off (answers gain x-lockgate-fallback)", report.seen(enabled=False)),
        ("switched on again (answers lose it)", report.seen(enabled=True)),
        ("the replica that took the admin call", report.seen(writer=True)),
        ("the other two replicas", report.seen(writer=False)),
        ("(the admin call's own round trip)", [f.write_s for f in report.flips]),
    )
    rows: list[tuple[object, ...]] = []
    for name, values in views:
        ms = [v * 1000 for v in values]
        rows.append(
            (
                name,
                len(ms),
                round(percentile(ms, 50), 1) if ms else None,
                round(percentile(ms, 99), 1) if ms else None,
                round(max(ms), 1) if ms else None,
            )
        )
    return rows


# -- targets and report ------------------------------------------------------------------------


def targets(outages: Sequence[OutageReport], switch: SwitchReport, chain: Chain) -> list[Target]:
    """The goals, each with its measured value."""
    goals = []
    for report in outages:
        share = report.outage.answered_share
        goals += [
            Target(
                f"{report.fault.value}: requests answered (2xx) during the outage",
                ANSWERED_GOAL * 100,
                None if share is None else share * 100,
                "%",
                at_least=True,
            ),
            Target(
                f"{report.fault.value}: slowest request of the run vs the timeout budget",
                chain.budget_s,
                report.whole.max_s,
                "s",
            ),
        ]
    every = switch.seen()
    p99 = percentile(every, 99) if every and switch.skipped is None else None
    name = "kill switch: p99 time until a replica's answers show it"
    goals.append(Target(name, PROPAGATION_GOAL_S, p99, "s"))
    return goals


WINDOW_HEADERS = (
    "window",
    "from s",
    "to s",
    "requests",
    "answered 2xx",
    "v2 itself",
    "retry",
    "version:v1",
    "handoff",
    "failed",
    "p50 ms",
    "p99 ms",
    "max ms",
)


def window_row(w: Window, origin: float) -> tuple[object, ...]:
    """One table row: the window's answers by action and its latency."""
    share = w.answered_share
    known = {NO_FALLBACK, "retry", "version:v1", "handoff"}
    failed = sum(n for action, n in w.actions.items() if action not in known)
    return (
        w.name,
        round(w.start - origin, 2),
        round(w.end - origin, 2),
        w.requests,
        "-" if share is None else f"{share:.3%}",
        w.actions.get(NO_FALLBACK, 0),
        w.actions.get("retry", 0),
        w.actions.get("version:v1", 0),
        w.actions.get("handoff", 0),
        failed,
        None if w.p50_s is None else round(w.p50_s * 1000, 1),
        None if w.p99_s is None else round(w.p99_s * 1000, 1),
        None if w.max_s is None else round(w.max_s * 1000, 1),
    )


def render_outage(report: OutageReport, chain: Chain) -> list[str]:
    """The Markdown section of one outage run."""
    run = report.run
    title = {
        Fault.KILL: "v2 killed (SIGKILL), started again",
        Fault.HANG: "v2 hung (SIGSTOP), resumed (SIGCONT)",
    }[report.fault]
    back = "started again and serving" if report.fault is Fault.KILL else "resumed"
    events = [
        ("fault, s into the run", f"{run.fault_at - run.origin:.2f}"),
        ("circuit open, s after the fault (estimate)", _fmt(report.open_after_s)),
        ("estimate's resolution, s", _fmt(report.open_resolution_s, 3)),
        ("recovery started, s into the run", f"{run.recover_at - run.origin:.2f}"),
        (f"v2 {back}, s after recovery started", f"{run.v2_ready_s:.2f}"),
        ("first answer by v2 itself, s after recovery started", _fmt(report.recovered_after_s)),
        (f"first answer by v2 itself, s after v2 {back}", _fmt(report.recovered_after_back_s)),
        ("load generator's largest send delay, s", f"{run.max_send_lag_s:.3f}"),
        *(
            (f"cores busy {phase}: gateway / whole machine", f"{mine:.2f} / {every:.2f}")
            for phase, mine, every in zip(
                PHASES, run.gateway_cores, run.machine_cores, strict=False
            )
        ),
    ]
    return [
        f"## {title}",
        "",
        markdown_table(WINDOW_HEADERS, [window_row(w, run.origin) for w in report.windows]),
        "",
        (
            f"Requests slower than the timeout budget ({chain.budget_s:g} s) in the whole run: "
            f"{report.whole.over_budget}; slowest {report.whole.max_s or 0:.3f} s. "
            f"Circuit opening: {report.open_method}."
        ),
        "",
        markdown_table(("event", "value"), events),
        "",
    ]


def render(
    outages: Sequence[OutageReport],
    switch: SwitchReport,
    goals: Sequence[Target],
    meta: dict[str, object],
    chain: Chain,
) -> str:
    """The Markdown report."""
    plan = meta["load"]
    assert isinstance(plan, dict)
    note = (
        f"Open-loop load: {plan['rate']:g} req/s for {plan['duration_s']:g} s per run; fault at "
        f"{plan['fault_at_s']:g} s, recovery at {plan['recover_at_s']:g} s; upstreams: "
        f"{meta['upstream']}. Chain: retry ({chain.retry_attempts} attempt, back-off "
        f"{chain.backoff_s:g} s, budget {chain.retry_budget:g}) -> version v1 -> handoff; "
        f"version timeout {chain.timeout_s:g} s; breaker opens at {chain.failure_rate:.0%} "
        f"failures over {chain.window_s:g} s (at least {chain.min_requests} requests), open for "
        f"{chain.open_for_s:g} s. Timeout budget: {chain.budget_s:g} s."
    )
    lines = preamble("Failover", meta, note)
    for report in outages:
        lines += render_outage(report, chain)
    lines += ["## Kill switch across three replicas (PostgreSQL)", ""]
    if switch.skipped is not None:
        lines += [f"Not measured: {switch.skipped}.", ""]
    if switch.flips:
        lines += [
            markdown_table(SWITCH_HEADERS, switch_rows(switch)),
            "",
            (
                f"{len(switch.flips)} flips of `{FLAG}` through the admin API, rotating over "
                "the replicas, each polled every 10 ms. Replica-flips not seen within 5 s: "
                f"{switch.missing()}; answers that showed the old state again: {switch.flaps()}."
            ),
            "",
        ]
    lines += ["## Targets", "", targets_table(goals), ""]
    return "\n".join(lines)


# -- command line ------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> tuple[Settings, Path]:
    """Settings and the output folder from the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short runs: a smoke run")
    parser.add_argument("--rate", type=float, help="requests per second (200; quick 50)")
    parser.add_argument("--duration", type=float, help="seconds per outage run (40; quick 12)")
    parser.add_argument(
        "--upstream",
        choices=[k.value for k in UpstreamKind],
        help="fixed upstream (default) or the example service",
    )
    parser.add_argument("--flips", type=int, help="kill-switch flips (20; quick 4)")
    parser.add_argument(
        "--pg",
        default=os.environ.get("LOCKGATE_BENCH_PG", DEFAULT_BASE),
        help="PostgreSQL database for the replicas (a schema is created and dropped)",
    )
    parser.add_argument(
        "--only", choices=("all", "outage", "killswitch"), default="all", help="run one part"
    )
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    parser.add_argument(
        "--work", type=Path, help="keep logs, manifests and databases here (default: deleted)"
    )
    args = parser.parse_args(argv)
    quick: bool = args.quick
    duration = args.duration or (12.0 if quick else 40.0)
    fault_at = duration / 4
    plan = LoadPlan(
        rate=args.rate or (50.0 if quick else 200.0),
        duration_s=duration,
        fault_at_s=fault_at,
        recover_at_s=2 * fault_at,
    )
    parts = {"outage", "killswitch"} if args.only == "all" else {args.only}
    settings = Settings(
        plan=plan,
        upstream=UpstreamKind(args.upstream or "fixed"),
        flips=args.flips or (4 if quick else 20),
        pg_base=args.pg,
        parts=frozenset(parts),
        quick=quick,
        work=args.work,
    )
    return settings, args.out


@contextlib.contextmanager
def interrupted_by_sigterm() -> Iterator[None]:
    """Turn SIGTERM into KeyboardInterrupt, so every started process is stopped on the way out."""

    def handler(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def work_dir(keep: Path | None) -> Iterator[Path]:
    """``keep`` when given (created, left in place), else a temporary folder deleted on exit."""
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
        yield keep
        return
    with tempfile.TemporaryDirectory(prefix="lockgate-failover-") as tmp:
        yield Path(tmp)


def main(argv: Sequence[str] | None = None) -> int:
    """Run both parts, print the tables, write the results; 0 unless something failed."""
    settings, out_dir = parse_args(argv)
    chain = Chain()
    env = environment(f"python-aiohttp (open loop, {settings.plan.rate:g} req/s)")
    outages: list[OutageReport] = []
    switch = SwitchReport((), skipped="not run (--only outage)")
    with interrupted_by_sigterm(), work_dir(settings.work) as work:
        if "outage" in settings.parts:
            outages = run_outages(settings, chain, work / "outage")
        if "killswitch" in settings.parts:
            switch = run_switch(settings, work / "killswitch")
    env["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    plan = settings.plan
    meta: dict[str, object] = {
        "benchmark": NAME,
        "command": command_line(),
        "generated_at": now_utc(),
        "quick": settings.quick,
        "environment": env,
        "requests_per_run": int(plan.rate * plan.duration_s),
        "time_cap_s": plan.duration_s,
        "upstream": settings.upstream.value,
        "load": {
            "rate": plan.rate,
            "duration_s": plan.duration_s,
            "fault_at_s": plan.fault_at_s,
            "recover_at_s": plan.recover_at_s,
            "client_timeout_s": plan.client_timeout_s,
        },
        "chain": chain.as_dict(),
    }
    goals = targets(outages, switch, chain)
    data = {
        **meta,
        "outages": [o.as_dict() for o in outages],
        "kill_switch": switch.as_dict(),
        "targets": [t.as_dict() for t in goals],
    }
    return publish(out_dir, NAME, data, render(outages, switch, goals, meta, chain))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
