"""An upstream outage under steady open-loop load: kill (or hang) the routed version mid-run.

The gateway routes to ``v2`` (stable) with the chain ``retry -> version v1 -> handoff``, a
per-version timeout and a circuit breaker. ``openload.py`` sends a fixed rate in its own process;
at ``fault_at_s`` this process sends ``v2`` SIGKILL (a crash: connections refused) or SIGSTOP (a
hang: connections accepted by the kernel, never answered), and at ``recover_at_s`` starts it again
on the same port or sends SIGCONT. Every instant is read from ``time.monotonic()``, the clock the
load generator stamps its requests with.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from lib.procs import Spawned, cpu_seconds, machine_busy_seconds, running, spawn
from lib.targets import (
    CHAT_BODY,
    SERVICE,
    Server,
    serve_config,
    start_example,
    start_upstream,
)
from lib.timeline import Sample, samples_from

OPENLOAD = Path(__file__).with_name("openload.py")
LEAD_S = 2.0  # the load generator is spawned this long before its first request is due


class Fault(StrEnum):
    """How the routed upstream fails."""

    KILL = "kill"
    HANG = "hang"


_DONE = {Fault.KILL: "killed (SIGKILL)", Fault.HANG: "stopped (SIGSTOP)"}


class UpstreamKind(StrEnum):
    """What serves the versions."""

    EXAMPLE = "example"
    FIXED = "fixed"


@dataclass(frozen=True, slots=True)
class Chain:
    """The reliability settings written to the manifest (and the latency budget they imply)."""

    timeout_s: float = 1.0
    connect_timeout_s: float = 0.5
    retry_attempts: int = 1
    backoff_s: float = 0.05
    retry_budget: float = 0.1
    failure_rate: float = 0.5
    min_requests: int = 20
    window_s: float = 10.0
    open_for_s: float = 5.0

    @property
    def budget_s(self) -> float:
        """The longest any request may take: every upstream attempt times out, plus back-off.

        The routed version is tried once plus ``retry_attempts`` times, each after the back-off,
        then the fallback version once, each attempt bounded by the same version timeout.
        """
        attempts = 1 + self.retry_attempts + 1
        return self.timeout_s * attempts + self.backoff_s * self.retry_attempts

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "version_timeout_s": self.timeout_s,
            "connect_timeout_s": self.connect_timeout_s,
            "retry": {
                "attempts": self.retry_attempts,
                "backoff_s": self.backoff_s,
                "budget": self.retry_budget,
            },
            "circuit_breaker": {
                "failure_rate": self.failure_rate,
                "min_requests": self.min_requests,
                "window_s": self.window_s,
                "open_for_s": self.open_for_s,
            },
            "timeout_budget_s": self.budget_s,
        }


@dataclass(frozen=True, slots=True)
class LoadPlan:
    """Rate and length of the run, and when the fault starts and ends (seconds into the run)."""

    rate: float
    duration_s: float
    fault_at_s: float
    recover_at_s: float
    client_timeout_s: float = 10.0


@dataclass(frozen=True, slots=True)
class Run:
    """What one outage run produced: every request, and when each thing happened."""

    fault: Fault
    origin: float
    fault_at: float
    recover_at: float
    back_at: float
    samples: tuple[Sample, ...]
    max_send_lag_s: float
    v2_ready_s: float
    gateway_cores: tuple[float, ...]
    """The gateway's CPU seconds per second before the fault, during it, and after."""
    machine_cores: tuple[float, ...]
    """The same for the whole machine (every process, ours and others')."""


def write_manifest(work_dir: Path, v1_port: int, v2_port: int, chain: Chain) -> Path:
    """``v2`` routed (stable), ``v1`` the fallback, the chain and breaker of :class:`Chain`."""
    data_dir = work_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    versions = {
        name: (
            f"  {name}: {{upstream: 'http://127.0.0.1:{port}', stable: {str(stable).lower()}, "
            f"timeout: {chain.timeout_s}, connect_timeout: {chain.connect_timeout_s}}}\n"
        )
        for name, port, stable in (("v2", v2_port, True), ("v1", v1_port, False))
    }
    config = work_dir / "lockgate.yaml"
    config.write_text(
        f"service: {{name: {SERVICE}, stage: poc}}\n"
        "versions:\n" + versions["v2"] + versions["v1"] + "fallback:\n  chain:\n"
        f"    - {{action: retry, attempts: {chain.retry_attempts}, backoff: {chain.backoff_s}, "
        f"budget: {chain.retry_budget}}}\n"
        "    - {action: version, version: v1}\n"
        "    - {action: handoff}\n"
        f"  circuit_breaker: {{failure_rate: {chain.failure_rate}, "
        f"min_requests: {chain.min_requests}, window: {chain.window_s}, "
        f"open_for: {chain.open_for_s}}}\n"
        f"gateway: {{data_dir: '{data_dir}'}}\n"
    )
    return config


def start_version(
    kind: UpstreamKind, version: str, log_dir: Path, port: int | None = None
) -> Server:
    """One version's upstream: the example service (``version``) or the fixed upstream."""
    suffix = "" if port is None else "-restarted"
    name = f"{kind.value}-{version}{suffix}"
    if kind is UpstreamKind.EXAMPLE:
        return start_example(version, log_dir, port=port, name=name)
    return start_upstream(log_dir, port=port, name=name)


def _cpu_sample(pid: int) -> tuple[float, float, float]:
    """Now, the CPU seconds of ``pid`` (and its children), and those of the whole machine."""
    return time.monotonic(), cpu_seconds(pid), machine_busy_seconds()


def _sleep_until(instant: float) -> None:
    time.sleep(max(0.0, instant - time.monotonic()))


@contextlib.contextmanager
def _resumed_on_exit(pid: int) -> Iterator[None]:
    """Send SIGCONT to ``pid`` on the way out, so a stopped process can be stopped for good."""
    try:
        yield
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)


def _spawn_load(gateway: Server, plan: LoadPlan, origin: float, work_dir: Path) -> Spawned:
    spec = {
        "url": gateway.url,
        "body": CHAT_BODY,
        "headers": {"Content-Type": "application/json", **gateway.headers},
        "rate": plan.rate,
        "duration_s": plan.duration_s,
        "start_at": origin,
        "timeout_s": plan.client_timeout_s,
        "max_in_flight": 4000,
    }
    argv = [sys.executable, str(OPENLOAD), json.dumps(spec), str(work_dir / "load.json")]
    return spawn("openload", argv, work_dir)


def run_outage(
    fault: Fault,
    *,
    config: Path,
    headers: Mapping[str, str],
    work_dir: Path,
    v2: Server,
    plan: LoadPlan,
    restart: Callable[[int], Server],
    keep: Callable[[Spawned], None],
) -> tuple[Run, Server]:
    """A fresh gateway, one load run, the fault and the recovery; returns the run and live v2.

    The gateway serves ``config`` (see :func:`write_manifest`) and is stopped at the end, so each
    run starts with closed circuits and a full retry budget. ``restart(port)`` starts v2 again
    after a kill; ``keep`` registers that new process so the caller stops it at the end.
    """
    work_dir.mkdir(parents=True, exist_ok=True)
    gateway = serve_config(config, work_dir, headers, name=f"lockgate-{fault.value}")
    print(f"{fault.value}: gateway ready in {gateway.first_request_s:.2f} s", flush=True)
    with running(gateway.child):
        origin = time.monotonic() + LEAD_S
        load = _spawn_load(gateway, plan, origin, work_dir)
        resume: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
        if fault is Fault.HANG:
            resume = _resumed_on_exit(v2.child.pid)
        with running(load), resume:
            _sleep_until(origin)
            cpu = [_cpu_sample(gateway.child.pid)]
            _sleep_until(origin + plan.fault_at_s)
            fault_at = time.monotonic()
            cpu.append(_cpu_sample(gateway.child.pid))
            if fault is Fault.KILL:
                os.kill(v2.child.pid, signal.SIGKILL)
                v2.child.process.wait(timeout=10)
            else:
                os.kill(v2.child.pid, signal.SIGSTOP)
            print(f"{fault.value}: v2 {_DONE[fault]} at {fault_at - origin:.2f} s", flush=True)
            _sleep_until(origin + plan.recover_at_s)
            recover_at = time.monotonic()
            cpu.append(_cpu_sample(gateway.child.pid))
            if fault is Fault.KILL:
                v2 = restart(v2.port)
                keep(v2.child)
            else:
                os.kill(v2.child.pid, signal.SIGCONT)
            back_at = time.monotonic()
            print(f"{fault.value}: v2 back at {back_at - origin:.2f} s", flush=True)
            load.process.wait(timeout=plan.duration_s + plan.client_timeout_s + 60)
            cpu.append(_cpu_sample(gateway.child.pid))
        if load.process.returncode != 0:
            raise RuntimeError(f"the load generator failed:\n{load.log_tail()}")
    raw = json.loads((work_dir / "load.json").read_text())
    rows = raw["rows"]
    run = Run(
        fault=fault,
        origin=origin,
        fault_at=fault_at,
        recover_at=recover_at,
        back_at=back_at,
        samples=tuple(samples_from(rows)),
        max_send_lag_s=max((float(r[1]) for r in rows), default=0.0),
        v2_ready_s=back_at - recover_at,
        gateway_cores=tuple((b[1] - a[1]) / (b[0] - a[0]) for a, b in itertools.pairwise(cpu)),
        machine_cores=tuple((b[2] - a[2]) / (b[0] - a[0]) for a, b in itertools.pairwise(cpu)),
    )
    return run, v2
