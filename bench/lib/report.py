"""Writing results: Markdown tables, the environment block, atomic JSON and Markdown files."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import platform
import shlex
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from lib.stats import Target

RESULTS_DIR = Path(__file__).resolve().parent.parent / "results"


def markdown_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub Markdown table; numbers right-aligned."""
    body = [[_cell(value) for value in row] for row in rows]
    align = [
        "---:" if body and all(_is_number(r[i]) for r in body) else "---"
        for i in range(len(headers))
    ]
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(row) + " |" for row in body]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.3f}" if abs(value) < 100 else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _is_number(text: str) -> bool:
    return text == "-" or text.replace(",", "").replace(".", "", 1).lstrip("-").isdigit()


def verdict(met: bool | None) -> str:
    """``met``, ``NOT met`` or ``not measured``."""
    if met is None:
        return "not measured"
    return "met" if met else "NOT met"


def targets_table(targets: Sequence[Target]) -> str:
    """Goal, measured value and verdict for each target."""
    rows = [
        (t.name, t.as_dict()["goal"], "-" if t.value is None else _cell(t.value), verdict(t.met))
        for t in targets
    ]
    return markdown_table(["target", "goal", "measured", "verdict"], rows)


def environment(load_generator: str) -> dict[str, object]:
    """The machine and tools the figures were measured with."""
    return {
        "cpus": os.cpu_count(),
        "platform": platform.platform(terse=True),
        "python": platform.python_version(),
        "load_generator": load_generator,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def preamble(title: str, meta: Mapping[str, object], note: str = "") -> list[str]:
    """The report's title, command line and machine paragraph (with ``note`` appended)."""
    env = meta["environment"]
    assert isinstance(env, Mapping)
    quick = " (quick smoke run: too short to judge)" if meta["quick"] else ""
    machine = (
        f"Machine: {env['cpus']} CPUs, {env['platform']}, Python {env['python']}, "
        f"1-minute load average {env['load_average_1m_at_start']} at start and "
        f"{env['load_average_1m_at_end']} at end; load generator: {env['load_generator']}. "
        f"Each run sends up to {meta['requests_per_run']:,} requests or stops at "
        f"{meta['time_cap_s']:g} s."
    )
    return [
        f"# {title}",
        "",
        f"Command: `{meta['command']}` at {meta['generated_at']}{quick}",
        "",
        f"{machine} {note}".strip(),
        "",
    ]


def command_line() -> str:
    """How this run was started, relative to the repository root."""
    script = Path(sys.argv[0])
    with contextlib.suppress(ValueError):
        script = script.resolve().relative_to(RESULTS_DIR.parent.parent)
    return shlex.join(["python", str(script), *sys.argv[1:]])


def now_utc() -> str:
    """The current UTC time, to the second, ISO 8601."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def write_results(out_dir: Path, name: str, data: dict[str, object], markdown: str) -> list[Path]:
    """Write ``<name>.json`` and ``<name>.md`` in ``out_dir`` via ``.tmp`` files and a rename."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for suffix, text in ((".json", json.dumps(data, indent=2) + "\n"), (".md", markdown)):
        final = out_dir / f"{name}{suffix}"
        tmp = out_dir / f"{name}{suffix}.tmp"
        tmp.write_text(text)
        tmp.replace(final)
        written.append(final)
    return written


def publish(out_dir: Path, name: str, data: dict[str, object], markdown: str) -> int:
    """Print the Markdown report, write both result files, say where; the script's exit code."""
    print()
    print(markdown)
    for path in write_results(out_dir, name, data, markdown):
        print(f"wrote {path}")
    return 0
