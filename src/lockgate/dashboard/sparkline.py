"""Sparklines as inline SVG geometry, computed on the server: no JavaScript, no chart library.

A series of per-minute values becomes polyline segments in a ``width`` x ``height`` box, scaled
from zero to the series maximum. A minute without a value (no requests) breaks the line rather
than being drawn as zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

WIDTH = 120.0
HEIGHT = 24.0
PAD = 2.0


@dataclass(frozen=True, slots=True)
class Sparkline:
    """Polyline segments (``"x,y x,y ..."``), isolated points, and the scale's top value."""

    width: float
    height: float
    segments: tuple[str, ...]
    dots: tuple[tuple[float, float], ...]
    top: float
    count: int

    @property
    def empty(self) -> bool:
        """True when no minute had a value."""
        return not self.segments and not self.dots


def sparkline(
    values: Sequence[float | None], *, width: float = WIDTH, height: float = HEIGHT
) -> Sparkline:
    """The geometry of ``values`` (left is oldest)."""
    present = [value for value in values if value is not None]
    top = max(present, default=0.0)
    scale = top if top > 0 else 1.0
    step = (width - 2 * PAD) / max(len(values) - 1, 1)
    usable = height - 2 * PAD

    def point(index: int, value: float) -> tuple[float, float]:
        return round(PAD + index * step, 2), round(PAD + usable * (1 - value / scale), 2)

    segments: list[str] = []
    dots: list[tuple[float, float]] = []
    run: list[tuple[float, float]] = []
    for index, value in enumerate([*values, None]):
        if value is not None:
            run.append(point(index, value))
            continue
        if len(run) == 1:
            dots.append(run[0])
        elif run:
            segments.append(" ".join(f"{x:g},{y:g}" for x, y in run))
        run = []
    return Sparkline(width, height, tuple(segments), tuple(dots), top, len(present))
