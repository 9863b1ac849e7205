"""Load generators, each in its own process: ``wrk`` when installed, else an aiohttp client.

Both are closed-loop: ``concurrency`` connections each send the next request when the previous
answer arrives, until ``requests`` answers are in or ``time_cap_s`` has passed.
"""

from __future__ import annotations

import json
import math
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from lib.stats import Measured, percentile

PYLOAD = Path(__file__).with_name("pyload.py")
COUNT_MARKER = "LOADGEN-COUNT-REACHED"


@dataclass(frozen=True, slots=True)
class LoadSpec:
    """One closed-loop run: POST ``body`` to ``url`` with ``concurrency`` connections."""

    url: str
    body: str
    concurrency: int
    requests: int
    time_cap_s: float
    headers: Mapping[str, str] = field(default_factory=dict)


class LoadGenerator(Protocol):
    """Anything that runs a :class:`LoadSpec` in another process and reports figures."""

    @property
    def name(self) -> str:
        """Name and version, printed next to the results."""
        ...

    def run(self, spec: LoadSpec) -> Measured:
        """Run ``spec`` to completion (bounded by its time cap) and return the figures."""
        ...


def _lua_string(text: str) -> str:
    """``text`` as a Lua long-bracket literal that cannot be closed early by its content."""
    level = 0
    while f"]{'=' * level}]" in text:
        level += 1
    eq = "=" * level
    return f"[{eq}[{text}]{eq}]"


def wrk_script(spec: LoadSpec, result_path: Path) -> str:
    """The Lua script: POST with headers, stop after ``spec.requests``, write JSON figures.

    Index expressions get spaces inside the brackets: ``t[[[k]]]`` would read as ``t`` called
    with the long string ``[k``.
    """
    headers = "\n".join(
        f"wrk.headers[ {_lua_string(k)} ] = {_lua_string(v)}" for k, v in spec.headers.items()
    )
    return f"""
wrk.method = "POST"
wrk.body = {_lua_string(spec.body)}
wrk.headers["Content-Type"] = "application/json"
{headers}
local limit = {spec.requests}
local count = 0
function response(status, headers, body)
  count = count + 1
  if count == limit then
    wrk.thread:stop()
    io.write("{COUNT_MARKER}\\n")
    io.flush()
  end
end
function done(summary, latency, requests)
  local e = summary.errors
  local f = io.open({_lua_string(str(result_path))}, "w")
  f:write(string.format(
    '{{"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,' ..
    '"timeout":%d,"p50_us":%d,"p99_us":%d}}',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
  f:close()
end
"""


def parse_wrk_result(raw: Mapping[str, int]) -> Measured:
    """Turn the JSON written by :func:`wrk_script` into figures (errors include non-2xx)."""
    errors = sum(raw[k] for k in ("connect", "read", "write", "status", "timeout"))
    return Measured(
        requests=raw["requests"],
        errors=errors,
        duration_s=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000.0,
        p99_ms=raw["p99_us"] / 1000.0,
    )


@dataclass(frozen=True, slots=True)
class WrkGenerator:
    """``wrk`` with one thread and a Lua script for the POST body and the request count.

    wrk's main thread sleeps for the whole ``-d`` duration even when the script has stopped its
    worker, so the script prints a marker line once the count is reached and this process then
    sends wrk SIGINT, which ends the sleep; wrk's reported duration is then the real one.
    """

    executable: str
    version: str

    @property
    def name(self) -> str:
        """Name and version."""
        return self.version

    def run(self, spec: LoadSpec) -> Measured:
        """Run wrk once; raise ``RuntimeError`` with its output when it fails."""
        with tempfile.TemporaryDirectory(prefix="wrk-") as tmp:
            result_path = Path(tmp) / "result.json"
            script = Path(tmp) / "post.lua"
            script.write_text(wrk_script(spec, result_path))
            argv = [
                self.executable,
                "-t1",
                f"-c{spec.concurrency}",
                f"-d{max(1, math.ceil(spec.time_cap_s))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                spec.url,
            ]
            output = _run_until_marker(argv, timeout_s=spec.time_cap_s + 30)
            if not result_path.exists():
                raise RuntimeError(f"wrk wrote no result: {output}")
            return parse_wrk_result(json.loads(result_path.read_text()))


def _run_until_marker(argv: list[str], timeout_s: float) -> str:
    """Run ``argv``; send it SIGINT when it prints :data:`COUNT_MARKER`; return its output."""
    process = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    watchdog = threading.Timer(timeout_s, process.kill)
    watchdog.start()
    lines: list[str] = []
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(COUNT_MARKER):
                process.send_signal(signal.SIGINT)
            else:
                lines.append(line)
        process.wait()
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()
    if process.returncode != 0:
        raise RuntimeError(f"{argv[0]} failed ({process.returncode}): {''.join(lines)}")
    return "".join(lines)


@dataclass(frozen=True, slots=True)
class PythonGenerator:
    """The aiohttp closed-loop client of ``pyload.py``, in its own interpreter process."""

    python: str = sys.executable

    @property
    def name(self) -> str:
        """Name."""
        return "python-aiohttp (closed loop)"

    def run(self, spec: LoadSpec) -> Measured:
        """Run the client once; raise ``RuntimeError`` with its output when it fails."""
        payload = {
            "url": spec.url,
            "body": spec.body,
            "headers": {"Content-Type": "application/json", **spec.headers},
            "concurrency": spec.concurrency,
            "requests": spec.requests,
            "time_cap_s": spec.time_cap_s,
        }
        with tempfile.TemporaryDirectory(prefix="pyload-") as tmp:
            result_path = Path(tmp) / "result.json"
            done = subprocess.run(
                [self.python, str(PYLOAD), json.dumps(payload), str(result_path)],
                capture_output=True,
                text=True,
                timeout=spec.time_cap_s + 60,
                check=False,
            )
            if done.returncode != 0 or not result_path.exists():
                raise RuntimeError(f"load client failed ({done.returncode}): {done.stderr[-2000:]}")
            raw = json.loads(result_path.read_text())
        latencies_ms = [us / 1000.0 for us in raw["latencies_us"]]
        if not latencies_ms:
            raise RuntimeError(f"no successful request to {spec.url} ({raw['errors']} errors)")
        return Measured(
            requests=len(latencies_ms),
            errors=int(raw["errors"]),
            duration_s=float(raw["duration_s"]),
            p50_ms=percentile(latencies_ms, 50),
            p99_ms=percentile(latencies_ms, 99),
        )


def wrk_version(executable: str) -> str:
    """The first line of ``wrk -v`` (wrk prints its version and exits non-zero)."""
    done = subprocess.run(
        [executable, "-v"], capture_output=True, text=True, timeout=10, check=False
    )
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" [")[0] if first else "wrk"


def choose_generator(prefer: str = "auto") -> LoadGenerator:
    """``wrk`` when ``prefer`` is ``auto`` or ``wrk`` and it is on PATH, else the Python client."""
    if prefer not in {"auto", "wrk", "python"}:
        raise ValueError(f"unknown load generator {prefer!r}: use auto, wrk or python")
    executable = shutil.which("wrk") if prefer != "python" else None
    if executable is not None:
        return WrkGenerator(executable, wrk_version(executable))
    if prefer == "wrk":
        raise RuntimeError("wrk is not on PATH: install it (Debian package 'wrk') or use python")
    return PythonGenerator()
