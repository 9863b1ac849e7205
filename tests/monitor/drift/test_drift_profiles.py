"""Profiles: incremental counts, fixed memory, exact merges and JSON round trips."""

from __future__ import annotations

import json
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.monitor.drift import (
    OTHER,
    CategoricalProfile,
    NumericProfile,
    TextProfile,
    quantile_edges,
)

EDGES = (-1.0, 0.0, 0.5, 2.0)
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
numeric_values = st.lists(st.one_of(finite, st.none(), st.just(math.nan)), max_size=60)
category_values = st.lists(st.one_of(st.sampled_from("abcdefg"), st.none(), st.integers(0, 3)))
texts = st.lists(st.one_of(st.text(alphabet="ab cd\u00e9!", max_size=30), st.none()), max_size=20)


def test_numeric_bins_are_right_closed() -> None:
    """A value equal to an edge falls in the bin that edge closes; open ends catch the rest."""
    p = NumericProfile(EDGES)
    for v in (-5.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, 9.0):
        p.update(v)
    assert p.counts == [2, 2, 1, 2, 1]


def test_numeric_missing_and_invalid_values() -> None:
    """None, NaN, strings and booleans count as missing, numbers do not."""
    p = NumericProfile(EDGES)
    for v in (None, math.nan, "3.0", True, np.float32(0.25), np.int64(3), 7):
        p.update(v)
    assert p.missing == 4
    assert p.total == 3


def test_numeric_update_many_matches_update() -> None:
    """The vectorized path counts exactly like the per-value path."""
    x = np.random.default_rng(5).normal(0, 2, 1000)
    x[::17] = np.nan
    one, many = NumericProfile(EDGES), NumericProfile(EDGES)
    for v in x.tolist():
        one.update(v)
    many.update_many(x)
    assert one == many


def test_quantile_edges_split_evenly_and_dedupe_ties() -> None:
    """Decile edges give near-equal bins; repeated quantiles on discrete data collapse."""
    x = np.random.default_rng(6).normal(size=10_000)
    p = NumericProfile(quantile_edges(x, 10))
    p.update_many(x)
    assert len(p.counts) == 10
    assert max(p.counts) - min(p.counts) <= 2
    assert quantile_edges([1, 1, 1, 1, 2], 10) == (1.0, 2.0)


def test_categorical_cap_pools_into_other() -> None:
    """Beyond the cap, new categories are counted in __other__; totals stay exact."""
    p = CategoricalProfile(cap=2)
    p.update_many(["a", "b", "c", "a", None, "d"])
    assert p.as_mapping() == {"a": 2, "b": 1, OTHER: 3}


def test_categorical_top_keeps_the_most_frequent() -> None:
    """top(k) keeps the k largest categories and pools the rest."""
    p = CategoricalProfile(cap=10)
    p.update_many([*"aaabbc", None, None, None, None])
    assert p.top(2).as_mapping() == {"__missing__": 4, "a": 3, OTHER: 3}


def test_frozen_window_profile_ignores_new_categories() -> None:
    """A window profile counts unknown categories as __other__ (vectorized or not)."""
    ref = CategoricalProfile(cap=5, categories=["a", "b"], counts=[3, 4])
    one, many = ref.empty_like(), ref.empty_like()
    values = ["a", "z", "b", "b", 3, None]
    for v in values:
        one.update(v)
    many.update_many(values)
    assert one == many
    assert one.as_mapping() == {"a": 1, "b": 2, OTHER: 3}


def test_text_presence_counts_each_bucket_once_per_message() -> None:
    """Repeated tokens add to token counts but a message marks a bucket present once."""
    p = TextProfile(64)
    p.update("Launch launch LAUNCH")
    p.update("")
    p.update(None)
    bucket = p.bucket_ids("launch")[0]
    assert p.tokens[bucket] == 3
    assert p.presence[bucket] == 1
    assert (p.messages, p.missing) == (2, 1)


def test_text_bigrams_add_pair_tokens() -> None:
    """With bigrams on, a message of n words yields 2n - 1 hashed tokens."""
    p = TextProfile(1024, bigrams=True)
    p.update("new phone launch today")
    assert sum(p.tokens) == 7


def test_profile_size_does_not_grow_with_rows() -> None:
    """Serialized profiles have the same length of arrays after 1,000 and 200,000 rows."""
    rng = np.random.default_rng(7)

    def sizes(n: int) -> tuple[int, int, int]:
        num = NumericProfile(EDGES)
        num.update_many(rng.normal(size=n))
        cat = CategoricalProfile(cap=20)
        cat.update_many(rng.integers(0, 500, n).astype(str).tolist())
        text = TextProfile(128)
        text.update_many(["w" + str(i) for i in rng.integers(0, 10**6, min(n, 20_000))])
        return len(num.counts), len(cat.counts), len(text.tokens) + len(text.presence)

    assert sizes(1000) == sizes(200_000) == (5, 20, 256)


def test_json_round_trip_of_every_profile() -> None:
    """to_dict -> JSON -> from_dict gives an equal profile."""
    num = NumericProfile(EDGES)
    num.update_many([0.1, 5.0, None, -3.0])
    cat = CategoricalProfile(cap=3)
    cat.update_many(["x", "y", "x", "z", "w"])
    text = TextProfile(32, bigrams=True)
    text.update_many(["hello there", "general kenobi", None])
    for profile, cls in ((num, NumericProfile), (cat, CategoricalProfile), (text, TextProfile)):
        again = cls.from_dict(json.loads(json.dumps(profile.to_dict())))
        assert again == profile


@settings(max_examples=60, deadline=None)
@given(numeric_values, numeric_values)
def test_numeric_merge_equals_concatenation(a: list[float | None], b: list[float | None]) -> None:
    """Merging two numeric profiles equals profiling the concatenated values."""
    pa, pb, pab = NumericProfile(EDGES), NumericProfile(EDGES), NumericProfile(EDGES)
    for v in a:
        pa.update(v)
    for v in b:
        pb.update(v)
    for v in a + b:
        pab.update(v)
    assert pa.merge(pb) == pab


@settings(max_examples=60, deadline=None)
@given(category_values, category_values)
def test_categorical_merge_equals_concatenation(a: list[object], b: list[object]) -> None:
    """Within the cap, merging categorical profiles equals profiling the concatenation."""
    pa, pb, pab = CategoricalProfile(20), CategoricalProfile(20), CategoricalProfile(20)
    pa.update_many(a)
    pb.update_many(b)
    pab.update_many(a + b)
    assert pa.merge(pb) == pab


@settings(max_examples=40, deadline=None)
@given(texts, texts)
def test_text_merge_equals_concatenation(a: list[str | None], b: list[str | None]) -> None:
    """Merging text profiles equals profiling the concatenated messages."""
    pa, pb, pab = TextProfile(16), TextProfile(16), TextProfile(16)
    pa.update_many(a)
    pb.update_many(b)
    pab.update_many(a + b)
    assert pa.merge(pb) == pab
