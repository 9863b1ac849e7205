"""`lockgate demo` end to end: a real process tree that serves, records and stops cleanly."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import openai
from sqlalchemy import create_engine, text

from tests.support.servers import free_port, wait_until


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_demo_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    """The demo serves the example through the gateway with traffic, and SIGTERM stops it all."""
    port = free_port()
    data_dir = tmp_path / "demo"
    log = tmp_path / "demo.log"
    log_file = log.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "lockgate", "demo", "--port", str(port), "--data-dir",
         str(data_dir), "--traffic", "20"],
        stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: "sending 20 requests/s" in log.read_text(), timeout=90)
        assert _ready(url)
        token = (data_dir / "demo.key").read_text().strip()
        client = openai.OpenAI(base_url=url + "/v1", api_key=token, max_retries=0)
        reply = client.chat.completions.create(
            model="support-assistant",
            messages=[{"role": "user", "content": "please cancel my order"}],
        )
        assert reply.choices[0].message.content
        client.close()
        manifest = (data_dir / "lockgate.yaml").read_text()
        assert "support-assistant" in manifest
        assert all(f"  {v}:" in manifest for v in ("v1", "v2", "v3"))
        time.sleep(2)
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)
        log_file.close()
    output = log.read_text()
    assert process.returncode == 0, output
    assert "curl" in output and "OpenAI" in output
    assert "traffic:" in output
    engine = create_engine(f"sqlite:///{data_dir / 'lockgate.db'}")
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM request_log WHERE status = 200")).scalar()
    engine.dispose()
    assert rows is not None and rows >= 20
    leftover = subprocess.run(
        ["pgrep", "-f", str(data_dir)], capture_output=True, text=True, check=False
    )
    assert leftover.stdout.strip() == "", leftover.stdout
