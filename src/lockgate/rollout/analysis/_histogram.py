"""A bounded latency histogram with fixed log-spaced buckets.

Edges are ``2 ** (e / 16)`` milliseconds for ``e = 0 .. 320``: 16 buckets per doubling (each about
4.4 % wide) from 1 ms to about 17.5 minutes, plus one bucket below 1 ms and one overflow bucket.
Every histogram uses the same layout, so two histograms merge by adding counts and a quantile is
known to within one bucket (4.4 %). Bucket ``i`` (``1 <= i <= 320``) holds ``[edge(i-1), edge(i))``.
"""

import math
import operator
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

BUCKETS_PER_OCTAVE = 16
OCTAVES = 20
LAST_EDGE = BUCKETS_PER_OCTAVE * OCTAVES
BUCKET_COUNT = LAST_EDGE + 2


def edge_ms(edge: int) -> float:
    """The latency in milliseconds at edge index ``edge`` (0 is 1 ms)."""
    return float(2.0 ** (edge / BUCKETS_PER_OCTAVE))


def bucket_edges_ms() -> tuple[float, ...]:
    """Every bucket edge in milliseconds, from 1 ms upwards (``LAST_EDGE + 1`` values)."""
    return tuple(edge_ms(edge) for edge in range(LAST_EDGE + 1))


def nearest_edge(latency_ms: float) -> int:
    """The edge index closest (in log scale) to ``latency_ms``, clipped to the layout."""
    if latency_ms <= 1.0:
        return 0
    return min(LAST_EDGE, round(BUCKETS_PER_OCTAVE * math.log2(latency_ms)))


def edge_at_or_above(latency_ms: float) -> int:
    """The smallest edge index whose latency is at least ``latency_ms``, clipped to the layout."""
    if latency_ms <= 1.0:
        return 0
    position = BUCKETS_PER_OCTAVE * math.log2(latency_ms)
    return min(LAST_EDGE, math.ceil(position - 1e-9))


def bucket_index(latency_ms: float) -> int:
    """The bucket that holds ``latency_ms``; raises ``ValueError`` for negative or NaN values."""
    if not latency_ms >= 0.0:
        raise ValueError(f"latency must be a non-negative number of milliseconds, got {latency_ms}")
    if latency_ms < 1.0:
        return 0
    return min(LAST_EDGE + 1, math.floor(BUCKETS_PER_OCTAVE * math.log2(latency_ms)) + 1)


@dataclass(frozen=True, slots=True)
class LatencyHistogram:
    """Counts of requests per fixed latency bucket; ``counts`` has ``BUCKET_COUNT`` entries."""

    counts: tuple[int, ...] = (0,) * BUCKET_COUNT

    def __post_init__(self) -> None:
        if len(self.counts) != BUCKET_COUNT:
            raise ValueError(
                f"a latency histogram has {BUCKET_COUNT} buckets, got {len(self.counts)}"
            )
        if min(self.counts) < 0:
            raise ValueError("latency bucket counts must be non-negative")

    @classmethod
    def from_samples(cls, latencies_ms: Iterable[float]) -> "LatencyHistogram":
        """Bucket raw latencies (milliseconds); vectorised, so large batches are cheap."""
        if isinstance(latencies_ms, np.ndarray):
            values = latencies_ms.astype(np.float64, copy=False).ravel()
        else:
            values = np.fromiter(latencies_ms, dtype=np.float64)
        if values.size and not bool(np.all(values >= 0.0)):
            raise ValueError("latencies must be non-negative numbers of milliseconds")
        indices = np.zeros(values.size, dtype=np.int64)
        above = values >= 1.0
        positions = np.floor(BUCKETS_PER_OCTAVE * np.log2(values[above])).astype(np.int64) + 1
        indices[above] = np.minimum(positions, LAST_EDGE + 1)
        counts: list[int] = np.bincount(indices, minlength=BUCKET_COUNT).tolist()
        return cls(tuple(counts))

    @classmethod
    def from_sparse(cls, counts: Mapping[int, int]) -> "LatencyHistogram":
        """Build from ``{bucket index: count}``; absent buckets are zero."""
        dense = [0] * BUCKET_COUNT
        for index, count in counts.items():
            if not 0 <= index < BUCKET_COUNT:
                raise ValueError(f"bucket index {index} is outside 0..{BUCKET_COUNT - 1}")
            dense[index] = count
        return cls(tuple(dense))

    def to_sparse(self) -> dict[int, int]:
        """``{bucket index: count}`` for the non-empty buckets."""
        return {index: count for index, count in enumerate(self.counts) if count}

    @property
    def total(self) -> int:
        """Number of latencies recorded."""
        return sum(self.counts)

    def merge(self, other: "LatencyHistogram") -> "LatencyHistogram":
        """The histogram of both sets of latencies."""
        return LatencyHistogram(tuple(map(operator.add, self.counts, other.counts)))

    def count_above(self, edge: int) -> int:
        """Number of latencies at or above edge ``edge`` (that is, in buckets after it)."""
        return sum(self.counts[edge + 1 :])

    def quantile_edge(self, q: float) -> int | None:
        """Smallest edge with at most ``1 - q`` of the latencies at or above it.

        This is the upper edge of the bucket holding the ``q`` quantile; ``None`` when that bucket
        is the overflow bucket or the histogram is empty.
        """
        total = self.total
        if total == 0:
            return None
        allowed_above = (1.0 - q) * total
        for edge, below in enumerate(accumulate(self.counts[: LAST_EDGE + 1])):
            if total - below <= allowed_above:
                return edge
        return None

    def quantile(self, q: float) -> float | None:
        """The ``q`` quantile in milliseconds, interpolated log-linearly inside its bucket."""
        total = self.total
        if total == 0:
            return None
        rank = q * total
        seen = 0
        for index, count in enumerate(self.counts):
            if count and seen + count >= rank:
                share = (rank - seen) / count
                if index == 0:
                    return share
                low = edge_ms(index - 1)
                if index > LAST_EDGE:
                    return low
                return float(low * 2.0 ** (share / BUCKETS_PER_OCTAVE))
            seen += count
        return edge_ms(LAST_EDGE)
