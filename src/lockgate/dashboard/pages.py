"""Server-rendered pages: the Jinja2 environment (autoescaped, strict), filters and safe headers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import jinja2
from starlette.responses import HTMLResponse

from lockgate.dashboard.sparkline import sparkline

PREFIX = "/ui"
NONE = "\N{EN DASH}"
"""Shown where there is no value."""
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
}


def percent(value: float | None) -> str:
    """``0.0123`` as ``1.23 %``; a dash without a value."""
    if value is None:
        return NONE
    return f"{value * 100:.3g} %" if value else "0 %"


def millis(value: float | None) -> str:
    """Milliseconds, switching to seconds from 10 s; a dash without a value."""
    if value is None:
        return NONE
    return f"{value / 1000:.3g} s" if value >= 10_000 else f"{value:.3g} ms"


def rate(value: float | None) -> str:
    """Requests per second with two significant digits at least."""
    if value is None:
        return NONE
    return f"{value:.3g}/s" if value else "0/s"


def number(value: float | None) -> str:
    """A measured number with four significant digits."""
    return NONE if value is None else f"{value:.4g}"


def ago(then: dt.datetime | None, now: dt.datetime) -> str:
    """``then`` relative to ``now``: ``just now``, ``12 s ago``, ``5 min ago``, ``3 h ago``..."""
    if then is None:
        return "never"
    seconds = (now - then).total_seconds()
    if seconds < 1:
        return "just now"
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{int(seconds // size)} {unit} ago"
    return f"{int(seconds)} s ago"


def stamp(value: dt.datetime | None) -> str:
    """An exact UTC time for tooltips and tables."""
    return NONE if value is None else value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


FORMATS = {
    "rps": rate,
    "error_rate": percent,
    "p95_ms": millis,
    "fallback_rate": percent,
    "handoff_rate": percent,
}


def fmt(metric: str, value: float | None) -> str:
    """``value`` formatted as ``metric`` is shown (a rate, a share or milliseconds)."""
    return FORMATS[metric](value)


def peak(values: Iterable[float | None]) -> float | None:
    """The largest value present, or None."""
    return max((value for value in values if value is not None), default=None)


def environment() -> jinja2.Environment:
    """Templates from the package, HTML-escaped always, failing loudly on undefined names."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("lockgate.dashboard", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(percent=percent, millis=millis, rate=rate, number=number, stamp=stamp)
    env.globals.update(ago=ago, fmt=fmt, peak=peak, sparkline=sparkline, prefix=PREFIX)
    return env


class Pages:
    """Renders templates into responses carrying the dashboard's security headers."""

    def __init__(self, env: jinja2.Environment | None = None) -> None:
        self.env = env or environment()

    def render(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        """``name`` rendered with ``context`` as an HTML response."""
        html = self.env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)
