"""Telemetry cost: what request logs, tracing and trace export add to the gateway's hot path.

The same fixed-response upstream and the same load generator as ``bench/overhead.py`` drive four
``lockgate serve`` processes (one worker each, SQLite) that differ only in their ``telemetry``
section; Prometheus metrics are always on:

- (a) ``off``: tracing disabled, no request log lines;
- (b) ``logs``: one JSON log line per request, tracing disabled;
- (c) ``traces``: (b) plus tracing at ``sample_ratio`` 1.0 with no exporter (spans are recorded,
  then dropped);
- (d) ``export``: (c) plus an OTLP/HTTP exporter pointing at a local sink that decodes each
  ``POST /v1/traces`` and answers 200, so encoding and sending spans are part of the cost.

All four run for the whole benchmark. Each round measures them one after the other, at
concurrency 1 (latency) then 32 (throughput and server CPU per request from /proc), in the order
a b c d, the next round d c b a, and so on, so slow drift of the machine's load falls on every
configuration alike. Added latency is each configuration's p50 minus (a)'s in the same round,
as the median over the rounds.

Run: ``python bench/telemetry.py`` (about three minutes), ``--quick`` for a smoke run.
Writes ``bench/results/telemetry.json`` and ``bench/results/telemetry.md`` (or ``--out DIR``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import metadata
from pathlib import Path

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

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
from lib.runner import RunPlan, cores_busy, measured_run, spec
from lib.stats import RunResult, Target
from lib.targets import Server, create_key, serve_config, start_upstream, write_manifest

NAME = "telemetry"
CONCURRENCIES = (1, 32)
TARGET_ADDED_P50_MS = 0.2
MB = 1_000_000
BASELINE = "a"


@dataclass(frozen=True, slots=True)
class Config:
    """One telemetry configuration of the gateway."""

    key: str
    label: str
    tracing: bool
    request_logs: bool
    export: bool

    def yaml(self, sink_url: str) -> str:
        """The manifest's ``telemetry`` section for this configuration."""
        lines = [
            "telemetry:",
            f"  request_logs: {str(self.request_logs).lower()}",
            "  tracing:",
            f"    enabled: {str(self.tracing).lower()}",
        ]
        if self.tracing:
            lines.append("    sample_ratio: 1.0")
        if self.export:
            lines.append(f"    otlp_endpoint: {sink_url}")
        return "\n".join(lines) + "\n"

    def describe(self) -> tuple[str, str, str, str, str]:
        """A row of the configurations table."""
        return (
            f"({self.key}) {self.label}",
            "on",
            "on" if self.request_logs else "off",
            "on, sample ratio 1.0" if self.tracing else "off",
            "OTLP/HTTP to the local sink" if self.export else "-",
        )


CONFIGS = (
    Config("a", "off", tracing=False, request_logs=False, export=False),
    Config("b", "logs", tracing=False, request_logs=True, export=False),
    Config("c", "traces", tracing=True, request_logs=True, export=False),
    Config("d", "export", tracing=True, request_logs=True, export=True),
)


def round_order(configs: Sequence[Config], round_index: int) -> list[Config]:
    """``configs`` in order on even rounds and reversed on odd ones (a b c d, d c b a, ...)."""
    return list(configs) if round_index % 2 == 0 else list(reversed(configs))


class SinkCounts:
    """What the OTLP sink received: requests, bytes and spans (guarded by a lock)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.posts = 0
        self.bytes = 0
        self.spans = 0
        self.rejected = 0

    def add(self, size: int, spans: int) -> None:
        """Count one accepted export request."""
        with self._lock:
            self.posts += 1
            self.bytes += size
            self.spans += spans

    def reject(self) -> None:
        """Count one request the sink could not decode or did not expect."""
        with self._lock:
            self.rejected += 1

    def as_dict(self) -> dict[str, int]:
        """JSON-ready snapshot."""
        with self._lock:
            return {
                "posts": self.posts,
                "bytes": self.bytes,
                "spans": self.spans,
                "rejected": self.rejected,
            }


def count_spans(body: bytes) -> int:
    """Spans in an OTLP ``ExportTraceServiceRequest`` (protobuf)."""
    request = ExportTraceServiceRequest.FromString(body)
    return sum(
        len(scope.spans) for resource in request.resource_spans for scope in resource.scope_spans
    )


class _SinkHandler(BaseHTTPRequestHandler):
    """Accepts ``POST /v1/traces``, counts its spans and answers 200 with an empty response."""

    protocol_version = "HTTP/1.1"
    server: _SinkServer

    def do_POST(self) -> None:
        """Read the body, count it, answer (keep-alive, as the exporter's session expects)."""
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size)
        status = 200 if self.path == "/v1/traces" else 404
        if status == 200:
            try:
                spans = count_spans(body)
            except Exception:  # protobuf's DecodeError: not an OTLP traces request
                status = 400
            else:
                self.server.counts.add(size, spans)
        if status != 200:
            self.server.counts.reject()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """Quiet: one line per export would only fill the terminal."""


class _SinkServer(ThreadingHTTPServer):
    """The sink's HTTP server, holding its counts."""

    daemon_threads = True

    def __init__(self, counts: SinkCounts) -> None:
        super().__init__(("127.0.0.1", 0), _SinkHandler)
        self.counts = counts


@contextlib.contextmanager
def otlp_sink() -> Iterator[tuple[str, SinkCounts]]:
    """A local OTLP/HTTP traces endpoint on a free loopback port, in a thread; its URL, counts."""
    counts = SinkCounts()
    server = _SinkServer(counts)
    thread = threading.Thread(target=server.serve_forever, name="otlp-sink", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1/traces", counts
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass(frozen=True, slots=True)
class Sample:
    """One measured run of one configuration in one round."""

    round: int
    config: str
    run: RunResult

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"round": self.round, "config": self.config, **self.run.as_dict()}


@dataclass(frozen=True, slots=True)
class Summary:
    """One configuration at one concurrency over all rounds (medians)."""

    config: str
    concurrency: int
    rounds: int
    p50_ms: float
    p99_ms: float
    rps: float
    cpu_ms: float | None
    added_p50_ms: float | None
    added_p99_ms: float | None
    added_cpu_ms: float | None
    errors: int

    def as_dict(self) -> dict[str, object]:
        """JSON-ready form."""

        def r(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "config": self.config,
            "concurrency": self.concurrency,
            "rounds": self.rounds,
            "median_p50_ms": r(self.p50_ms),
            "median_p99_ms": r(self.p99_ms),
            "median_rps": round(self.rps, 1),
            "median_cpu_ms_per_request": r(self.cpu_ms),
            "added_p50_ms_vs_a": r(self.added_p50_ms),
            "added_p99_ms_vs_a": r(self.added_p99_ms),
            "added_cpu_ms_per_request_vs_a": r(self.added_cpu_ms),
            "errors": self.errors,
        }


def _median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


def _paired(samples: Sequence[Sample], key: str, concurrency: int) -> dict[int, RunResult]:
    return {s.round: s.run for s in samples if s.config == key and s.run.concurrency == concurrency}


def summarize(samples: Sequence[Sample], key: str, concurrency: int) -> Summary | None:
    """Medians for ``key`` at ``concurrency``; added figures paired with (a) round by round."""
    mine = _paired(samples, key, concurrency)
    if not mine:
        return None
    base = _paired(samples, BASELINE, concurrency)
    common = sorted(set(mine) & set(base))
    runs = list(mine.values())
    cpu = [r.cpu_ms_per_request for r in runs if r.cpu_ms_per_request is not None]
    cpu_diffs = [
        c - b
        for c, b in ((mine[i].cpu_ms_per_request, base[i].cpu_ms_per_request) for i in common)
        if c is not None and b is not None
    ]
    return Summary(
        config=key,
        concurrency=concurrency,
        rounds=len(runs),
        p50_ms=statistics.median(r.measured.p50_ms for r in runs),
        p99_ms=statistics.median(r.measured.p99_ms for r in runs),
        rps=statistics.median(r.measured.rps for r in runs),
        cpu_ms=_median(cpu),
        added_p50_ms=_median([mine[i].measured.p50_ms - base[i].measured.p50_ms for i in common]),
        added_p99_ms=_median([mine[i].measured.p99_ms - base[i].measured.p99_ms for i in common]),
        added_cpu_ms=_median(cpu_diffs),
        errors=sum(r.measured.errors for r in runs),
    )


@dataclass(frozen=True, slots=True)
class Settings:
    """Counts, caps and the time budget of the measured rounds."""

    plan: RunPlan
    max_rounds: int
    budget_s: float
    quick: bool


@dataclass(slots=True)
class Outcome:
    """Everything one benchmark run measured."""

    samples: list[Sample] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    servers: list[dict[str, object]] = field(default_factory=list)
    sink: dict[str, int] = field(default_factory=dict)
    rounds: int = 0
    stopped_by_budget: bool = False


def start_config(config: Config, work: Path, upstream_port: int, sink_url: str) -> Server:
    """A gateway with a fresh manifest (the shared one plus ``config``'s telemetry) and key."""
    folder = work / f"lockgate-{config.key}"
    folder.mkdir()
    manifest = write_manifest(folder, upstream_port)
    with manifest.open("a") as out:
        out.write(config.yaml(sink_url))
    headers = {"Authorization": f"Bearer {create_key(manifest)}"}
    return serve_config(manifest, folder, headers, name=f"lockgate-{config.key}")


def warm(gen: LoadGenerator, server: Server, plan: RunPlan) -> int:
    """Unmeasured traffic at concurrency 32 then 1; the number of requests answered."""
    hot = gen.run(spec(server, 32, plan.warmup_requests, min(plan.time_cap_s, 5.0)))
    calm = gen.run(spec(server, 1, max(50, plan.warmup_requests // 10), 3.0))
    return hot.requests + calm.requests


def measure_rounds(
    gen: LoadGenerator, gateways: dict[str, Server], settings: Settings, outcome: Outcome
) -> None:
    """Alternate the configurations round by round until ``max_rounds`` or the time budget.

    A round starts only if the previous one's duration still fits in the budget, so every
    round is complete and the pairing with (a) never misses a configuration.
    """
    started = time.perf_counter()
    last_round_s = 0.0
    for index in range(settings.max_rounds):
        elapsed = time.perf_counter() - started
        if index >= 2 and elapsed + last_round_s > settings.budget_s:
            outcome.stopped_by_budget = True
            break
        begin = time.perf_counter()
        order = round_order(CONFIGS, index)
        print(f"round {index + 1}: {' '.join(c.key for c in order)}", flush=True)
        for concurrency in CONCURRENCIES:
            for config in order:
                server = gateways[config.key]
                run = measured_run(gen, server, server.name, concurrency, settings.plan)
                outcome.samples.append(Sample(index, config.key, run))
                outcome.sent[config.key] += run.measured.requests
        outcome.rounds = index + 1
        last_round_s = time.perf_counter() - begin


def run_all(gen: LoadGenerator, settings: Settings) -> Outcome:
    """Start the upstream, the sink and the four gateways; warm up; measure; stop everything.

    The gateways are stopped (gracefully, so the exporter flushes) before the sink is read.
    """
    outcome = Outcome(sent={c.key: 0 for c in CONFIGS})
    with (
        tempfile.TemporaryDirectory(prefix="lockgate-bench-") as tmp,
        otlp_sink() as (sink_url, counts),
    ):
        work = Path(tmp)
        upstream = start_upstream(work)
        with running(upstream.child), contextlib.ExitStack() as stack:
            gateways: dict[str, Server] = {}
            for config in CONFIGS:
                server = start_config(config, work, upstream.port, sink_url)
                stack.enter_context(running(server.child))
                gateways[config.key] = server
                outcome.sent[config.key] += 1  # the start-up probe
                print(f"{server.name}: first request {server.first_request_s:.2f} s", flush=True)
            for config in CONFIGS:
                outcome.sent[config.key] += warm(gen, gateways[config.key], settings.plan)
            measure_rounds(gen, gateways, settings, outcome)
            for config in CONFIGS:
                server = gateways[config.key]
                outcome.servers.append(
                    {
                        "config": config.key,
                        "name": server.name,
                        "startup_to_first_request_s": round(server.first_request_s, 3),
                        "peak_rss_mb": round(peak_rss_bytes(server.child.pid) / MB, 1),
                    }
                )
        outcome.sink = counts.as_dict()
    return outcome


def summaries(samples: Sequence[Sample]) -> list[Summary]:
    """Every configuration at every concurrency that was measured."""
    found = (summarize(samples, c.key, n) for n in CONCURRENCIES for c in CONFIGS)
    return [s for s in found if s is not None]


def targets(table: Sequence[Summary]) -> list[Target]:
    """Added p50 at concurrency 1 of (c) and (d) against (a); no failed request."""
    by_key = {(s.config, s.concurrency): s for s in table}
    goals = []
    for key, what in (("c", "traces recorded"), ("d", "traces exported")):
        summary = by_key.get((key, 1))
        goals.append(
            Target(
                f"({key}) everything on, {what}: added p50 vs (a) at concurrency 1",
                TARGET_ADDED_P50_MS,
                summary.added_p50_ms if summary else None,
                "ms",
            )
        )
    goals.append(
        Target("failed or non-2xx requests in measured runs", 0, sum(s.errors for s in table), "")
    )
    return goals


def summary_rows(table: Sequence[Summary]) -> list[tuple[object, ...]]:
    """Rows of the summary table."""
    labels = {c.key: f"({c.key}) {c.label}" for c in CONFIGS}
    return [
        (
            labels[s.config],
            s.concurrency,
            s.rounds,
            s.p50_ms,
            s.p99_ms,
            s.added_p50_ms if s.config != BASELINE else None,
            s.added_p99_ms if s.config != BASELINE else None,
            round(s.rps),
            s.cpu_ms,
            s.added_cpu_ms if s.config != BASELINE else None,
            s.errors,
        )
        for s in table
    ]


SUMMARY_HEADERS = (
    "configuration",
    "concurrency",
    "rounds",
    "p50 ms",
    "p99 ms",
    "added p50 ms vs (a)",
    "added p99 ms vs (a)",
    "req/s",
    "server CPU ms/req",
    "added CPU ms/req vs (a)",
    "errors",
)


def sample_rows(samples: Sequence[Sample]) -> list[tuple[object, ...]]:
    """One row per measured run, in the order they ran."""
    return [
        (
            s.round + 1,
            s.run.target,
            s.run.concurrency,
            s.run.measured.requests,
            s.run.measured.errors,
            round(s.run.measured.rps),
            s.run.measured.p50_ms,
            s.run.measured.p99_ms,
            s.run.cpu_ms_per_request,
            cores_busy(s.run),
        )
        for s in samples
    ]


def sink_rows(outcome: Outcome) -> list[tuple[object, ...]]:
    """The OTLP sink's counts next to the requests (d) answered."""
    sent = outcome.sent.get("d", 0)
    spans = outcome.sink.get("spans", 0)
    return [
        ("requests answered by (d), warm-up and start-up included", sent),
        ("export requests (POST /v1/traces) received", outcome.sink.get("posts", 0)),
        ("spans received", spans),
        ("spans per request", round(spans / sent, 3) if sent else None),
        ("bytes received (MB)", round(outcome.sink.get("bytes", 0) / MB, 2)),
        ("export requests rejected", outcome.sink.get("rejected", 0)),
    ]


def render(
    outcome: Outcome, table: Sequence[Summary], goals: Sequence[Target], meta: dict[str, object]
) -> str:
    """The Markdown report."""
    note = (
        f"{outcome.rounds} rounds, configurations alternated (a b c d, then d c b a, ...); "
        "added figures are medians over the rounds of the difference with (a) in the same round."
    )
    if outcome.stopped_by_budget:
        note += " The time budget ended the rounds early."
    lines = preamble("Telemetry cost on the hot path", meta, note)
    lines += [
        "## Configurations",
        "",
        markdown_table(
            ["configuration", "Prometheus metrics", "request log lines", "tracing", "export"],
            [c.describe() for c in CONFIGS],
        ),
        "",
        "## Summary (medians over the rounds)",
        "",
        markdown_table(SUMMARY_HEADERS, summary_rows(table)),
        "",
        "## Trace export to the local OTLP sink",
        "",
        markdown_table(["figure", "value"], sink_rows(outcome)),
        "",
        "## Servers",
        "",
        markdown_table(
            ["server", "spawn to first request (s)", "peak RSS (MB)"],
            [
                (s["name"], s["startup_to_first_request_s"], s["peak_rss_mb"])
                for s in outcome.servers
            ],
        ),
        "",
        "## Every measured run",
        "",
        markdown_table(
            [
                "round",
                "target",
                "concurrency",
                "requests",
                "errors",
                "req/s",
                "p50 ms",
                "p99 ms",
                "server CPU ms/req",
                "server cores busy",
            ],
            sample_rows(outcome.samples),
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
    parser.add_argument("--requests", type=int, help="requests per measured run (4000)")
    parser.add_argument("--rounds", type=int, help="rounds at most (4; 2 with --quick)")
    parser.add_argument("--time-cap", type=float, help="seconds per measured run at most (6)")
    parser.add_argument(
        "--budget", type=float, help="seconds for the measured rounds (150): no round starts late"
    )
    parser.add_argument("--quick", action="store_true", help="small counts: a smoke run")
    parser.add_argument("--generator", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
    args = parser.parse_args(argv)
    quick: bool = args.quick
    requests = args.requests or (300 if quick else 4_000)
    plan = RunPlan(
        requests=requests,
        warmup_requests=200 if quick else min(2_000, requests),
        time_cap_s=args.time_cap or (3.0 if quick else 6.0),
    )
    settings = Settings(
        plan=plan,
        max_rounds=max(2, args.rounds or (2 if quick else 4)),
        budget_s=args.budget or (40.0 if quick else 150.0),
        quick=quick,
    )
    return settings, args.generator, args.out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the tables, write the results; 0 unless something failed."""
    settings, generator_choice, out_dir = parse_args(argv)
    gen = choose_generator(generator_choice)
    print(f"load generator: {gen.name}", flush=True)
    env = environment(gen.name)
    outcome = run_all(gen, settings)
    env["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    table = summaries(outcome.samples)
    goals = targets(table)
    meta: dict[str, object] = {
        "benchmark": NAME,
        "command": command_line(),
        "generated_at": now_utc(),
        "quick": settings.quick,
        "environment": env,
        "requests_per_run": settings.plan.requests,
        "warmup_requests": settings.plan.warmup_requests,
        "time_cap_s": settings.plan.time_cap_s,
        "rounds": outcome.rounds,
        "max_rounds": settings.max_rounds,
        "budget_s": settings.budget_s,
        "stopped_by_budget": outcome.stopped_by_budget,
        "lockgate_version": metadata.version("lockgate"),
        "opentelemetry_sdk_version": metadata.version("opentelemetry-sdk"),
    }
    data = {
        **meta,
        "configs": [
            {
                "config": c.key,
                "label": c.label,
                "tracing": c.tracing,
                "request_logs": c.request_logs,
                "export": c.export,
            }
            for c in CONFIGS
        ],
        "summary": [s.as_dict() for s in table],
        "sink": {**outcome.sink, "requests_answered_by_d": outcome.sent.get("d", 0)},
        "servers": outcome.servers,
        "runs": [s.as_dict() for s in outcome.samples],
        "targets": [t.as_dict() for t in goals],
    }
    return publish(out_dir, NAME, data, render(outcome, table, goals, meta))


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
