"""Start the example versions and a gateway, print how to call it, optionally send traffic.

Every process the demo starts is a child it stops again on Ctrl-C, SIGTERM or ``--duration``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from jinja2 import Environment, PackageLoader, StrictUndefined

from lockgate import scaffold
from lockgate.auth import manage
from lockgate.auth.scopes import Scope
from lockgate.demo.traffic import TrafficStats, send_traffic
from lockgate.errors import ConfigError
from lockgate.example.dataset import GOLDEN_PATH
from lockgate.example.reference import DRIFT_CONFIG, REFERENCE_PATH
from lockgate.manifest import load
from lockgate.store import migrate, revisions
from lockgate.store.locate import open_store

VERSIONS = ("v1", "v2", "v3")
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
SERVICE = "support-assistant"


@dataclass
class DemoOptions:
    """What `lockgate demo` was asked to do."""

    port: int = 8700
    data_dir: Path = Path(".lockgate-demo")
    traffic: float = 0.0
    duration: float | None = None
    host: str = "127.0.0.1"
    shift: bool = False


@dataclass
class Demo:
    """The running demo's processes and files."""

    options: DemoOptions
    say: Callable[[str], None]
    children: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)

    @property
    def manifest_path(self) -> Path:
        return self.options.data_dir / "lockgate.yaml"

    @property
    def key_path(self) -> Path:
        return self.options.data_dir / "demo.key"

    @property
    def url(self) -> str:
        return f"http://{self.options.host}:{self.options.port}"

    def run(self) -> TrafficStats | None:
        """Start everything, wait for a stop signal or the duration, stop everything."""
        stop = _StopFlag()
        previous = {signum: signal.signal(signum, stop.on_signal) for signum in STOP_SIGNALS}
        try:
            self._start(stop)
            if stop.requested:
                return None
            return asyncio.run(self._wait(stop))
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def _start(self, stop: _StopFlag) -> None:
        folder = self.options.data_dir
        folder.mkdir(parents=True, exist_ok=True)
        if not _port_free(self.options.host, self.options.port):
            raise ConfigError(
                f"port {self.options.port} is in use; stop what runs there or pass --port"
            )
        ports = {name: _free_port() for name in (*VERSIONS, "hooks")}
        for version in VERSIONS:
            self._spawn(
                f"example {version}",
                [sys.executable, "-m", "lockgate.example", "--version", version,
                 "--host", "127.0.0.1", "--port", str(ports[version])],
            )  # fmt: skip
        self._spawn(
            "hooks",
            [sys.executable, "-m", "lockgate.demo.hooks", "--port", str(ports["hooks"]), "--out",
             str(folder / "notifications.jsonl")],
        )  # fmt: skip
        self._write_manifest(ports)
        self._create_key()
        self._spawn(
            "gateway",
            [sys.executable, "-m", "lockgate", "--config", str(self.manifest_path), "serve",
             "--host", self.options.host, "--port", str(self.options.port)],
        )  # fmt: skip
        self._wait_ready([f"http://127.0.0.1:{ports[v]}/healthz" for v in VERSIONS], stop)
        self._wait_ready([f"{self.url}/readyz"], stop)
        self.say(snippets(self.url, self.key_path, self.manifest_path))

    def _spawn(self, name: str, command: list[str]) -> None:
        logs = self.options.data_dir / "logs"
        logs.mkdir(exist_ok=True)
        with (logs / f"{name.replace(' ', '-')}.log").open("ab") as log_file:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT
            )
        self.children.append((name, process))

    def _write_manifest(self, ports: dict[str, int]) -> None:
        env = Environment(
            loader=PackageLoader("lockgate.demo", "."),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
            autoescape=False,  # noqa: S701 - renders YAML, not HTML
        )
        text = env.get_template("manifest.yaml.j2").render(
            ports=ports, drift_config=json.dumps(DRIFT_CONFIG), evaluation=json.dumps(evaluation())
        )
        self.manifest_path.write_text(text)
        for item in scaffold.plan(self.options.data_dir, SERVICE):
            if item.path.suffix == ".md" and item.text is not None:  # runbooks, model card, RACI
                item.path.parent.mkdir(parents=True, exist_ok=True)
                item.path.write_text(item.text, encoding="utf-8")
        shutil.copyfile(GOLDEN_PATH, self.options.data_dir / "golden.jsonl")
        shutil.copyfile(REFERENCE_PATH, self.options.data_dir / "reference_profile.json")
        load(self.manifest_path)

    def _create_key(self) -> None:
        loaded = load(self.manifest_path)
        store = open_store(loaded)
        try:
            migrate.upgrade(store)
            current = revisions.latest(store, SERVICE)
            if current is None or current.revision != loaded.revision:
                revisions.apply(
                    store, loaded.text, author="cli:demo", source=str(self.manifest_path),
                    note="manifest written by lockgate demo",
                )  # fmt: skip
            _, token = manage.create_key(
                store,
                actor="cli:demo",
                name="demo",
                scopes=frozenset({Scope.INVOKE}),
                services=[SERVICE],
                expires_in=dt.timedelta(days=30),
            )
        finally:
            store.close()
        self.key_path.write_text(token + "\n")
        self.key_path.chmod(0o600)

    def _wait_ready(self, urls: list[str], stop: _StopFlag, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        pending = list(urls)
        while pending:
            self._check_children()
            if stop.requested:
                return
            if time.monotonic() > deadline:
                raise ConfigError(f"the demo did not become ready in {timeout:.0f}s: {pending}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(pending[0], timeout=1.0).status_code == 200:
                    pending.pop(0)
                    continue
            time.sleep(0.1)

    def _check_children(self) -> None:
        for name, process in self.children:
            if process.poll() is not None:
                raise ConfigError(f"the demo's {name} exited with code {process.returncode}")

    async def _wait(self, stop: _StopFlag) -> TrafficStats | None:
        stop.install()
        deadline = (
            None if self.options.duration is None else time.monotonic() + self.options.duration
        )
        stats: TrafficStats | None = None
        traffic: asyncio.Task[TrafficStats] | None = None
        if self.options.traffic > 0:
            token = self.key_path.read_text().strip()
            kind = "new-product launch messages" if self.options.shift else "customer messages"
            self.say(f"sending {self.options.traffic:g} requests/s of {kind}")
            traffic = asyncio.create_task(
                send_traffic(
                    self.url, token, SERVICE, self.options.traffic, stop.event_for_loop(),
                    shift=self.options.shift,
                )
            )  # fmt: skip
        while not stop.requested:
            if deadline is not None and time.monotonic() >= deadline:
                break
            self._check_children()
            await asyncio.sleep(0.2)
        stop.request()
        if traffic is not None:
            stats = await traffic
            self.say(stats.summary())
        return stats

    def stop(self) -> None:
        """Stop every child: SIGTERM, then SIGKILL after a grace period."""
        for _, process in reversed(self.children):
            if process.poll() is None:
                process.terminate()
        for _, process in reversed(self.children):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.children.clear()


class _StopFlag:
    """Set by SIGINT/SIGTERM; also visible to the traffic task."""

    def __init__(self) -> None:
        self.requested = False
        self._event: asyncio.Event | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            loop.add_signal_handler(signum, self.request)

    def on_signal(self, _signum: int, _frame: object) -> None:
        """Signal handler outside the event loop: start-up checks the flag between steps."""
        self.request()

    def event_for_loop(self) -> asyncio.Event:
        if self._event is None:
            self._event = asyncio.Event()
        return self._event

    def request(self) -> None:
        self.requested = True
        if self._event is not None:
            self._event.set()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def snippets(url: str, key_path: Path, manifest_path: Path) -> str:
    """Ready-to-paste commands for the running demo."""
    return f"""
Lockgate demo is running: the support assistant (v1 stable, v2, v3) behind {url}
Manifest: {manifest_path}   API key (invoke only): {key_path}
Logs (JSON lines): {manifest_path.parent / "logs"}
Alerts and hand-offs arrive in: {manifest_path.parent / "notifications.jsonl"}

curl:
  curl -s {url}/v1/chat/completions \\
    -H "Authorization: Bearer $(cat {key_path})" -H "Content-Type: application/json" \\
    -d '{{"model": "{SERVICE}", "messages": [{{"role": "user", "content": "where is my order?"}}]}}'

OpenAI SDK (Python):
  from openai import OpenAI
  client = OpenAI(base_url="{url}/v1", api_key=open("{key_path}").read().strip())
  reply = client.chat.completions.create(
      model="{SERVICE}", messages=[{{"role": "user", "content": "I want a refund"}}])
  print(reply.choices[0].message.content)

Other commands against this demo:
  lockgate --config {manifest_path} keys list
  lockgate --config {manifest_path} keys create --name ops --scope metrics:read

Press Ctrl-C to stop everything.
"""


def evaluation() -> dict[str, float]:
    """Held-out accuracy per example version, measured now (what `lockgate example accuracy`
    prints), for the model card."""
    from lockgate.example.model import evaluate

    return {f"{version}_heldout_accuracy": round(acc, 4) for version, acc in evaluate().items()}
