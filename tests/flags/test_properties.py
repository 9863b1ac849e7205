"""Properties over generated input: buckets are stable and uniform; evaluation never raises."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from lockgate.flags import (
    BUCKETS,
    EvaluationContext,
    FlagSource,
    Reason,
    Resolution,
    bucket,
    build_flag,
    evaluate,
    with_value,
)
from lockgate.manifest.cutover import FlagKind, TargetingRule

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
attributes = st.sampled_from(
    ["key_id", "tenant", "user", "service", "header:x-a", "header:", "zone"]
)
rules = st.builds(
    TargetingRule,
    attribute=attributes,
    op=st.sampled_from(["in", "not_in", "eq", "neq"]),
    values=st.lists(st.text(max_size=3), max_size=3),
    serve=json_values,
    percentage=st.none() | st.floats(min_value=0, max_value=100),
)
contexts = st.builds(
    EvaluationContext,
    key_id=st.none() | st.text(max_size=6),
    tenant=st.none() | st.text(max_size=6),
    user=st.none() | st.text(max_size=6),
    service=st.none() | st.text(max_size=6),
    headers=st.dictionaries(st.sampled_from(["x-a", "x-b"]), st.text(max_size=4), max_size=2),
)


@given(flag=st.text(max_size=40), key=st.text(max_size=40))
def test_bucket_is_in_range_and_stable(flag: str, key: str) -> None:
    """Any flag name and key land in one bucket in 0..9999, the same every time."""
    first = bucket(flag, key)
    assert 0 <= first < BUCKETS
    assert bucket(flag, key) == first


@settings(max_examples=40, deadline=None)
@given(flag=st.text(min_size=1, max_size=30), percent=st.integers(min_value=5, max_value=95))
def test_buckets_are_roughly_uniform(flag: str, percent: int) -> None:
    """For any flag, the share of 4000 users under a threshold is within 5 sigma of it."""
    users = 4000
    threshold = percent * BUCKETS // 100
    below = sum(bucket(flag, f"user-{index}") < threshold for index in range(users))
    expected = percent / 100
    sigma = math.sqrt(expected * (1 - expected) / users)
    assert abs(below / users - expected) < 5 * sigma


@given(
    key=st.text(max_size=20),
    low=st.floats(min_value=0, max_value=100),
    high=st.floats(min_value=0, max_value=100),
)
def test_a_user_served_at_a_lower_percentage_is_served_at_a_higher(
    key: str, low: float, high: float
) -> None:
    """Raising a percentage never takes the flag away from anyone who had it."""
    low, high = sorted((low, high))
    flag = build_flag("rollout", FlagKind.PERCENTAGE, low)
    context = EvaluationContext(user=key)
    served_low = evaluate(flag, context, default=False).value
    served_high = evaluate(with_value(flag, high, FlagSource.OVERRIDE), context, default=False)
    assert not served_low or served_high.value


@settings(max_examples=300, deadline=None)
@given(
    kind=st.sampled_from(list(FlagKind)),
    value=json_values,
    variants=st.dictionaries(st.text(max_size=4), json_values, max_size=3),
    flag_rules=st.lists(rules, max_size=3),
    context=contexts,
    default=json_values,
)
def test_evaluation_never_raises(
    *,
    kind: FlagKind,
    value: Any,
    variants: dict[str, Any],
    flag_rules: list[TargetingRule],
    context: EvaluationContext,
    default: Any,
) -> None:
    """Whatever the flag and context, evaluation answers; on error the answer is the default."""
    flag = build_flag("f", kind, value, variants=variants, rules=flag_rules)
    result = evaluate(flag, context, default)
    assert isinstance(result, Resolution)
    if result.reason in {Reason.ERROR, Reason.DISABLED}:
        assert result.value is default
    if result.reason is Reason.ERROR:
        assert result.error_code is not None and result.error_message
    else:
        assert result.error_code is None
