"""Child processes for benchmarks: spawn, wait until they answer, read peak memory, stop."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

KIB = 1024


@dataclass(frozen=True, slots=True)
class Spawned:
    """A child process started by a benchmark, with its log file and spawn time."""

    name: str
    process: subprocess.Popen[bytes]
    log_path: Path
    spawned_at: float

    @property
    def pid(self) -> int:
        """The child's process id."""
        return self.process.pid

    def log_tail(self, lines: int = 30) -> str:
        """The last ``lines`` lines of the child's combined output."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


@dataclass(frozen=True, slots=True)
class HttpProbe:
    """One HTTP request used to decide that a server is up (any listed status counts)."""

    method: str
    path: str
    body: bytes = b""
    headers: Mapping[str, str] | None = None
    ok_status: tuple[int, ...] = (200,)


def free_port() -> int:
    """A loopback TCP port that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def spawn(
    name: str,
    argv: Sequence[str],
    log_dir: Path,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> Spawned:
    """Start ``argv`` in its own session, its output going to ``log_dir/<name>.log``."""
    log_path = log_dir / f"{name}.log"
    with log_path.open("wb") as log:
        spawned_at = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=None if env is None else dict(env),
            cwd=cwd,
            start_new_session=True,
        )
    return Spawned(name, process, log_path, spawned_at)


def probe_once(port: int, probe: HttpProbe, timeout_s: float = 2.0) -> bool:
    """Send one probe request to 127.0.0.1:``port``; True when it answers an accepted status."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout_s)
    try:
        conn.request(probe.method, probe.path, body=probe.body, headers=dict(probe.headers or {}))
        response = conn.getresponse()
        response.read()
    except (OSError, http.client.HTTPException):
        return False
    finally:
        conn.close()
    return response.status in probe.ok_status


def wait_ready(
    child: Spawned, port: int, probe: HttpProbe, timeout_s: float, interval_s: float = 0.005
) -> float:
    """Poll until ``probe`` succeeds; return seconds since the child was spawned.

    Raises ``RuntimeError`` with the child's log tail when it exits or the timeout passes.
    """
    deadline = child.spawned_at + timeout_s
    while time.perf_counter() < deadline:
        if child.process.poll() is not None:
            raise RuntimeError(
                f"{child.name} exited with code {child.process.returncode}:\n{child.log_tail()}"
            )
        if probe_once(port, probe):
            return time.perf_counter() - child.spawned_at
        time.sleep(interval_s)
    raise RuntimeError(f"{child.name} not ready after {timeout_s:.0f} s:\n{child.log_tail()}")


def _parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name is in parentheses and may contain spaces: split after the last ')'.
    fields = stat[stat.rfind(")") + 2 :].split()
    return int(fields[1])


def descendants(pid: int) -> list[int]:
    """Process ids of every live descendant of ``pid`` (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_pid(int(entry.name))
            if parent is not None:
                children.setdefault(parent, []).append(int(entry.name))
    found: list[int] = []
    stack = [pid]
    while stack:
        for child in children.get(stack.pop(), []):
            found.append(child)
            stack.append(child)
    return found


def status_kib(pid: int, field: str) -> int:
    """A ``kB`` field (such as ``VmHWM`` or ``VmRSS``) of /proc/<pid>/status; 0 if absent."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    for line in text.splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def peak_rss_bytes(pid: int) -> int:
    """Peak resident memory (VmHWM) of ``pid`` plus that of each live descendant.

    With several processes the sum is an upper bound: their peaks need not coincide.
    """
    return sum(status_kib(p, "VmHWM") for p in [pid, *descendants(pid)]) * KIB


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of ``pid`` and each live descendant, in seconds."""
    ticks = 0
    for p in [pid, *descendants(pid)]:
        try:
            stat = Path(f"/proc/{p}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime and stime: fields 14 and 15
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU seconds all CPUs of the machine spent busy since boot (``/proc/stat``, every process).

    Busy is everything but idle and I/O wait; steal (time a virtual machine's host took) counts
    as busy, since no process here could use it.
    """
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    ticks = [int(f) for f in fields]
    idle = ticks[3] + ticks[4]  # idle and iowait
    total = sum(ticks[:8])  # user nice system idle iowait irq softirq steal (guest is in user)
    return (total - idle) / os.sysconf("SC_CLK_TCK")


def stop(child: Spawned, timeout_s: float = 10.0) -> None:
    """Stop the child's process group: SIGTERM, then SIGKILL after ``timeout_s``."""
    if child.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(child.process.pid, signal.SIGTERM)
    try:
        child.process.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.process.pid, signal.SIGKILL)
        child.process.wait(timeout=timeout_s)


@contextlib.contextmanager
def running(child: Spawned) -> Iterator[Spawned]:
    """Yield ``child`` and stop it on exit, whatever happened."""
    try:
        yield child
    finally:
        stop(child)
