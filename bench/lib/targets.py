"""The servers a benchmark starts: the fixed upstream, the Lockgate gateway and peer proxies.

Each ``start_*`` function spawns one server in its own process, waits until it serves a real
request and returns a :class:`Server` that says where to send traffic and how long start-up took.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from lib.procs import HttpProbe, Spawned, free_port, probe_once, spawn, stop, wait_ready

BENCH_DIR = Path(__file__).resolve().parent.parent
REPO_ROOT = BENCH_DIR.parent
UPSTREAM_SCRIPT = BENCH_DIR / "lib" / "upstream.py"
PASSTHROUGH_SCRIPT = BENCH_DIR / "lib" / "passthrough.py"
SERVICE = "bench"
CHAT_PATH = "/v1/chat/completions"
CHAT_BODY = (
    '{"model":"bench","messages":[{"role":"system","content":"You are terse."},'
    '{"role":"user","content":"Say hello in five words."}],"max_tokens":16}'
)
LITELLM_MASTER_KEY = "sk-bench-master"  # a throwaway key for a loopback proxy


@dataclass(frozen=True, slots=True)
class Server:
    """A started server: its process, where to POST, the headers, and start-up figures."""

    name: str
    child: Spawned
    port: int
    headers: Mapping[str, str] = field(default_factory=dict)
    ready_s: float = 0.0
    first_request_s: float = 0.0

    @property
    def url(self) -> str:
        """The chat-completions URL on loopback."""
        return f"http://127.0.0.1:{self.port}{CHAT_PATH}"


def chat_probe(headers: Mapping[str, str]) -> HttpProbe:
    """A real chat-completion request with ``headers``; only 200 counts as served."""
    return HttpProbe(
        "POST",
        CHAT_PATH,
        body=CHAT_BODY.encode(),
        headers={"Content-Type": "application/json", **headers},
    )


def _started(
    name: str,
    child: Spawned,
    port: int,
    *,
    health: HttpProbe,
    headers: Mapping[str, str],
    timeout_s: float,
) -> Server:
    """Wait for ``health``, then send one chat completion; time both from the spawn.

    The child is stopped when it does not get there, so a failed start leaves nothing running.
    """
    try:
        ready_s = wait_ready(child, port, health, timeout_s)
        served = probe_once(port, chat_probe(headers), timeout_s=30.0)
    except BaseException:
        stop(child)
        raise
    if not served:
        stop(child)
        raise RuntimeError(f"{name}'s first chat completion failed:\n{child.log_tail()}")
    first_request_s = time.perf_counter() - child.spawned_at
    return Server(name, child, port, dict(headers), ready_s, first_request_s)


def start_upstream(log_dir: Path, *, port: int | None = None, name: str = "upstream") -> Server:
    """The fixed-response upstream (raw asyncio protocol on uvloop) on a free port.

    Pass ``port`` to start it again where an earlier process served.
    """
    port = free_port() if port is None else port
    argv = [sys.executable, str(UPSTREAM_SCRIPT), "--host", "127.0.0.1", "--port", str(port)]
    child = spawn(name, argv, log_dir)
    return _started(name, child, port, health=HttpProbe("GET", "/"), headers={}, timeout_s=15.0)


def lockgate_command() -> list[str]:
    """The ``lockgate`` console script next to this interpreter, else the one on PATH."""
    beside = Path(sys.executable).with_name("lockgate")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("lockgate")
    if found is None:
        raise RuntimeError("the lockgate command is not installed: pip install -e . first")
    return [found]


def write_manifest(work_dir: Path, upstream_port: int) -> Path:
    """A minimal manifest: one stable version pointing at the upstream, SQLite in ``work_dir``."""
    data_dir = work_dir / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    config = work_dir / "lockgate.yaml"
    config.write_text(
        f"service:\n  name: {SERVICE}\n  stage: poc\n"
        f"versions:\n  v1:\n    upstream: http://127.0.0.1:{upstream_port}\n    stable: true\n"
        f"gateway:\n  data_dir: {data_dir}\n"
    )
    return config


def create_key(config: Path, scopes: Sequence[str] = ("invoke",)) -> str:
    """Create a key with ``scopes`` with the CLI; the key is the last line of its stdout."""
    argv = [*lockgate_command(), "--config", str(config), "keys", "create", "--name", "bench"]
    for scope in scopes:
        argv += ["--scope", scope]
    done = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"lockgate keys create failed ({done.returncode}): {done.stderr}")
    return lines[-1].strip()


def start_gateway(work_dir: Path, upstream_port: int, workers: int = 1) -> Server:
    """``lockgate serve`` for a fresh manifest and key, full pipeline on."""
    config = write_manifest(work_dir, upstream_port)
    headers = {"Authorization": f"Bearer {create_key(config)}"}
    return serve_config(config, work_dir, headers, workers=workers)


def serve_config(
    config: Path,
    log_dir: Path,
    headers: Mapping[str, str],
    *,
    name: str = "lockgate",
    workers: int = 1,
) -> Server:
    """``lockgate serve`` for an existing manifest, ready once it serves a chat completion.

    The manifest must declare the service :data:`SERVICE`; ``headers`` authenticate the probe.
    """
    port = free_port()
    argv = [
        *lockgate_command(),
        "--config",
        str(config),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    child = spawn(name, argv, log_dir)
    health = HttpProbe("GET", "/healthz")
    return _started(name, child, port, health=health, headers=headers, timeout_s=30.0)


def start_example(
    version: str, log_dir: Path, *, port: int | None = None, name: str = ""
) -> Server:
    """The example support assistant (``python -m lockgate.example``) serving ``version``.

    Pass ``port`` to start it again where an earlier process served.
    """
    port = free_port() if port is None else port
    argv = [sys.executable, "-m", "lockgate.example", "--version", version, "--port", str(port)]
    label = name or f"example-{version}"
    child = spawn(label, argv, log_dir)
    health = HttpProbe("GET", "/healthz")
    return _started(label, child, port, health=health, headers={}, timeout_s=60.0)


def litellm_command() -> Path | None:
    """The LiteLLM proxy from the peer venv ``.venv-peers/litellm``, if installed."""
    path = REPO_ROOT / ".venv-peers" / "litellm" / "bin" / "litellm"
    return path if path.exists() else None


def write_litellm_config(work_dir: Path, upstream_port: int) -> Path:
    """One openai-compatible model named like the service; a master key; no database."""
    config = work_dir / "litellm.yaml"
    config.write_text(
        "model_list:\n"
        f"  - model_name: {SERVICE}\n"
        "    litellm_params:\n"
        f"      model: openai/{SERVICE}\n"
        f"      api_base: http://127.0.0.1:{upstream_port}/v1\n"
        "      api_key: sk-upstream-unused\n"
        "general_settings:\n"
        f"  master_key: {LITELLM_MASTER_KEY}\n"
        "litellm_settings:\n"
        "  telemetry: false\n"
        "  num_retries: 0\n"
        "  request_timeout: 30\n"
        "  callbacks: []\n"
        "  success_callback: []\n"
        "  failure_callback: []\n"
    )
    return config


def litellm_env() -> dict[str, str]:
    """The current environment without database settings, quiet, with the bundled cost map."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "LITELLM_MASTER_KEY"}}
    env.update(
        {
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "LITELLM_LOG": "ERROR",
            "LITELLM_TELEMETRY": "False",
            "DISABLE_ADMIN_UI": "True",
        }
    )
    return env


def start_litellm(executable: Path, work_dir: Path, upstream_port: int) -> Server:
    """LiteLLM's proxy with one uvicorn worker, pointing at the same upstream."""
    config = write_litellm_config(work_dir, upstream_port)
    port = free_port()
    argv = [
        str(executable),
        "--config",
        str(config),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--num_workers",
        "1",
    ]
    child = spawn("litellm", argv, work_dir, env=litellm_env(), cwd=work_dir)
    headers = {"Authorization": f"Bearer {LITELLM_MASTER_KEY}"}
    health = HttpProbe("GET", "/health/liveliness")
    return _started("litellm", child, port, health=health, headers=headers, timeout_s=120.0)


def start_passthrough(client: str, work_dir: Path, upstream_port: int) -> Server:
    """The raw-ASGI pass-through forwarding with ``client``: ``aiohttp``, ``httpx`` or ``floor``."""
    port = free_port()
    argv = [
        sys.executable,
        str(PASSTHROUGH_SCRIPT),
        "--client",
        client,
        "--upstream",
        f"http://127.0.0.1:{upstream_port}",
        "--port",
        str(port),
    ]
    child = spawn(client, argv, work_dir)
    health = HttpProbe("GET", "/")
    return _started(client, child, port, health=health, headers={}, timeout_s=30.0)
