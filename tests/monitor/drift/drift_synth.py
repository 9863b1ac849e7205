"""Synthetic traffic for the drift tests: skewed categories and topic-correlated messages."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt


def zipf_shares(k: int, exponent: float = 1.1) -> npt.NDArray[np.float64]:
    """Skewed category shares summing to one."""
    p = 1.0 / np.arange(1, k + 1) ** exponent
    shares: npt.NDArray[np.float64] = p / p.sum()
    return shares


def shifted_shares(
    p: npt.NDArray[np.float64], index: int, points: float
) -> npt.NDArray[np.float64]:
    """``p`` with ``points`` of share moved onto category ``index`` from all the others."""
    rest = 1.0 - p[index]
    q = p * (rest - points) / rest
    q[index] = p[index] + points
    shares: npt.NDArray[np.float64] = q
    return shares


def category_labels(k: int) -> list[str]:
    """Labels ``c00``, ``c01``, ..."""
    return [f"c{j:02d}" for j in range(k)]


@dataclass(frozen=True, slots=True)
class Topics:
    """A vocabulary where each message draws all its words from one topic."""

    words: tuple[str, ...]
    topic_words: npt.NDArray[np.int64]
    function_words: tuple[str, ...] = ("the", "a", "to", "is", "my", "how", "can", "i", "you")


def make_topics(seed: int = 3, topics: int = 8, per_topic: int = 120) -> Topics:
    """A fixed synthetic vocabulary of topic words."""
    rng = np.random.default_rng(seed)
    words = tuple(f"w{j:04d}" for j in range(2000))
    chosen = np.stack([rng.choice(len(words), per_topic, replace=False) for _ in range(topics)])
    return Topics(words, chosen.astype(np.int64))


def messages(
    rng: np.random.Generator,
    topics: Topics,
    n: int,
    *,
    new_words: tuple[str, ...] = (),
    new_share: float = 0.0,
) -> list[str]:
    """``n`` messages; a ``new_share`` of them also use ``new_words`` (a product launch)."""
    k, per_topic = topics.topic_words.shape
    lengths = 3 + rng.poisson(8, n)
    topic = np.repeat(rng.integers(0, k, n), lengths)
    cdf = np.cumsum(zipf_shares(per_topic, 1.0))
    rank = np.minimum(np.searchsorted(cdf, rng.random(int(lengths.sum()))), per_topic - 1)
    flat = np.asarray(topics.words, dtype=object)[topics.topic_words[topic, rank]].tolist()
    func = topics.function_words
    launch = rng.random(n) < new_share if new_words else np.zeros(n, dtype=bool)
    out = []
    start = 0
    for length, fw, is_new in zip(
        lengths.tolist(), rng.integers(0, len(func), n).tolist(), launch.tolist(), strict=True
    ):
        words = [*flat[start : start + length], func[fw], func[fw]]
        if is_new:
            words += [new_words[int(j)] for j in rng.integers(0, len(new_words), 3)]
        out.append(" ".join(words))
        start += length
    return out
