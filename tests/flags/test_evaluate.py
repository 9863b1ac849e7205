"""Evaluation: kinds, targeting, sticky splits, reasons and error codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lockgate.flags import (
    BytesHeaders,
    ErrorCode,
    EvaluationContext,
    FlagSource,
    Reason,
    bucket,
    build_flag,
    evaluate,
    from_specs,
    with_value,
)
from lockgate.manifest.cutover import FlagKind, FlagSpec, TargetingRule
from tests.flags.helpers import KILL, SERVICE, definitions

USERS = [f"user-{index}" for index in range(5000)]


def share(flag_name: str, value: float, *, kind: FlagKind = FlagKind.PERCENTAGE) -> float:
    """Share of ``USERS`` served true by a percentage flag at ``value``."""
    flag = build_flag(flag_name, kind, value)
    served = [evaluate(flag, EvaluationContext(user=user), default=False).value for user in USERS]
    return sum(served) / len(served)


def test_boolean_flag_serves_its_manifest_default() -> None:
    """With no rule matching, the manifest default is served with reason DEFAULT."""
    flag = definitions()["new-prompt"]
    result = evaluate(flag, EvaluationContext(tenant="initech"), default=True)
    assert (result.value, result.reason, result.error_code) == (False, Reason.DEFAULT, None)


def test_tenant_rule_matches_with_in() -> None:
    """A tenant listed by an `in` rule gets the rule's value, others the default."""
    flag = definitions()["new-prompt"]
    match = evaluate(flag, EvaluationContext(tenant="globex"), default=False)
    assert match.reason is Reason.TARGETING_MATCH
    assert evaluate(flag, EvaluationContext(tenant="globex"), default=False).value is True
    assert evaluate(flag, EvaluationContext(tenant="globexx"), default=False).value is False


def test_header_rule_with_percentage_splits_matching_requests() -> None:
    """A rule's percentage serves true to about that share of the requests it matches."""
    flag = definitions()["new-prompt"]
    beta = [
        evaluate(flag, EvaluationContext(user=user, headers={"x-beta": "1"}), default=False)
        for user in USERS
    ]
    assert {result.reason for result in beta} == {Reason.TARGETING_MATCH}
    assert 0.46 < sum(result.value for result in beta) / len(beta) < 0.54
    plain = evaluate(flag, EvaluationContext(user="user-1", headers={"x-beta": "0"}), default=False)
    assert plain.reason is Reason.DEFAULT


@pytest.mark.parametrize(
    ("op", "values", "attribute_value", "expected"),
    [
        ("in", ["a", "b"], "b", True),
        ("in", ["a", "b"], "c", False),
        ("not_in", ["a", "b"], "c", True),
        ("not_in", ["a", "b"], "a", False),
        ("eq", ["a"], "a", True),
        ("eq", ["a"], "ab", False),
        ("neq", ["a"], "b", True),
        ("neq", ["a"], "a", False),
        ("not_in", ["a"], None, False),
        ("neq", ["a"], None, False),
    ],
)
def test_rule_operators(
    op: str, values: list[str], attribute_value: str | None, expected: bool
) -> None:
    """Each operator matches as documented; an absent attribute never matches."""
    rule = TargetingRule(attribute="service", op=op, values=values, serve=True)  # type: ignore[arg-type]
    flag = build_flag("f", FlagKind.BOOLEAN, default=False, rules=[rule])
    result = evaluate(flag, EvaluationContext(service=attribute_value), default=False)
    assert result.value is expected
    assert (result.reason is Reason.TARGETING_MATCH) is expected


def test_every_attribute_can_be_targeted() -> None:
    """key_id, tenant, user, service and any header are targetable; header names ignore case."""
    context = EvaluationContext(
        key_id="k1", tenant="t1", user="u1", service="s1", headers={"x-region": "eu"}
    )
    for attribute, value in [
        ("key_id", "k1"),
        ("tenant", "t1"),
        ("user", "u1"),
        ("service", "s1"),
        ("header:X-Region", "eu"),
    ]:
        rule = TargetingRule(attribute=attribute, op="eq", values=[value], serve=True)
        flag = build_flag("f", FlagKind.BOOLEAN, default=False, rules=[rule])
        assert evaluate(flag, context, default=False).value is True, attribute
        assert evaluate(flag, EvaluationContext(), default=False).value is False, attribute


def test_raw_request_headers_are_read_without_copying() -> None:
    """BytesHeaders lets rules read the gateway's raw header dict, case-insensitively."""
    raw = {b"x-beta": b"1", b"content-type": b"application/json"}
    context = EvaluationContext(user="user-7", headers=BytesHeaders(raw))
    assert context.attribute("header:X-Beta") == "1"
    assert context.attribute("header:missing") is None
    assert sorted(context.headers) == ["content-type", "x-beta"]
    result = evaluate(definitions()["new-prompt"], context, default=False)
    assert result.reason is Reason.TARGETING_MATCH


def test_first_matching_rule_wins() -> None:
    """Rules are tried in order."""
    rules = [
        TargetingRule(attribute="user", op="in", values=["ann"], serve=False),
        TargetingRule(attribute="user", op="in", values=["ann", "bob"], serve=True),
    ]
    flag = build_flag("f", FlagKind.BOOLEAN, default=True, rules=rules)
    assert evaluate(flag, EvaluationContext(user="ann"), default=True).value is False
    assert evaluate(flag, EvaluationContext(user="bob"), default=False).value is True


def test_percentage_flag_serves_its_share() -> None:
    """A 20 % flag serves true to about 20 % of users, with reason SPLIT."""
    assert 0.18 < share("long-context", 20) < 0.22
    assert share("long-context", 0) == 0
    assert share("long-context", 100) == 1
    flag = definitions()["long-context"]
    assert evaluate(flag, EvaluationContext(user="x"), default=False).reason is Reason.SPLIT


def test_split_is_sticky_across_instances() -> None:
    """Two replicas building the flag independently give every user the same answer."""
    first, second = definitions()["long-context"], definitions()["long-context"]
    assert first is not second
    for user in USERS[:500]:
        context = EvaluationContext(user=user, key_id="other-key")
        again = evaluate(second, EvaluationContext(user=user), default=False)
        assert evaluate(first, context, default=False) == again


def test_bucketing_does_not_depend_on_the_process() -> None:
    """The bucket is a cryptographic hash, so another interpreter computes the same one."""
    code = "from lockgate.flags import bucket; print([bucket('f', f'u{i}') for i in range(50)])"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONHASHSEED": "12345", "PATH": ""},
        timeout=60,
    )
    assert result.stdout.strip() == str([bucket("f", f"u{i}") for i in range(50)])


def test_raising_a_percentage_only_adds_users() -> None:
    """Users served at 10 % are still served at 30 %: a rollout never flips anyone back."""
    flag = definitions()["long-context"]
    low, high = with_value(flag, 10, FlagSource.OVERRIDE), with_value(flag, 30, FlagSource.OVERRIDE)
    at_low = {u for u in USERS if evaluate(low, EvaluationContext(user=u), default=False).value}
    at_high = {u for u in USERS if evaluate(high, EvaluationContext(user=u), default=False).value}
    assert at_low < at_high
    assert len(at_high) > 2 * len(at_low)


def test_stable_key_prefers_user_then_tenant_then_key() -> None:
    """Sticky bucketing hashes the user, else the tenant, else the key id."""
    assert EvaluationContext(user="u", tenant="t", key_id="k").stable_key == "u"
    assert EvaluationContext(tenant="t", key_id="k").stable_key == "t"
    assert EvaluationContext(key_id="k").stable_key == "k"
    assert EvaluationContext().stable_key == ""


def test_different_flags_bucket_users_independently() -> None:
    """The flag name is part of the hash, so two 50 % flags do not pick the same half."""
    a = {u for u in USERS if bucket("a", u) < 5000}
    b = {u for u in USERS if bucket("b", u) < 5000}
    overlap = len(a & b) / len(USERS)
    assert 0.22 < overlap < 0.28


def test_variant_flag_serves_the_variant_value() -> None:
    """A variant flag serves the value its variant names; a rule can pick another variant."""
    flag = definitions()["model-choice"]
    result = evaluate(flag, EvaluationContext(user="ann"), "none")
    assert (result.value, result.variant, result.reason) == ("gpt-small", "small", Reason.DEFAULT)
    vip = evaluate(flag, EvaluationContext(user="vip"), "none")
    assert (vip.value, vip.variant, vip.reason) == ("gpt-large", "large", Reason.TARGETING_MATCH)


def test_weighted_variants_follow_their_weights() -> None:
    """Weights 1:3 serve about a quarter and three quarters, with reason SPLIT."""
    flag = with_value(definitions()["model-choice"], {"small": 1, "large": 3}, FlagSource.OVERRIDE)
    results = [evaluate(flag, EvaluationContext(user=user), "none") for user in USERS]
    assert {result.reason for result in results} == {Reason.SPLIT}
    large = sum(result.variant == "large" for result in results) / len(results)
    assert 0.72 < large < 0.78
    assert {result.value for result in results} == {"gpt-small", "gpt-large"}


def test_undeclared_variants_serve_their_names() -> None:
    """Without a `variants` map, the variant name is the value."""
    flag = build_flag("prompt", FlagKind.VARIANT, {"v1": 50, "v2": 50})
    values = {evaluate(flag, EvaluationContext(user=u), "?").value for u in USERS[:200]}
    assert values == {"v1", "v2"}


def test_override_is_static_and_null_variant_is_disabled() -> None:
    """An override serves with reason STATIC; a variant set to null serves the caller's default."""
    flag = definitions()["model-choice"]
    static = evaluate(with_value(flag, "tiny", FlagSource.OVERRIDE), EvaluationContext(), "x")
    assert (static.value, static.reason) == ("gpt-tiny", Reason.STATIC)
    off = evaluate(with_value(flag, None, FlagSource.OVERRIDE), EvaluationContext(user="ann"), "x")
    assert (off.value, off.reason, off.error_code) == ("x", Reason.DISABLED, None)


def test_every_service_has_a_kill_switch() -> None:
    """`<service>.enabled` exists without being declared: boolean, default true."""
    flags = definitions()
    assert flags[KILL].kind is FlagKind.BOOLEAN
    result = evaluate(flags[KILL], EvaluationContext(key_id="k"), default=False)
    assert (result.value, result.reason) == (True, Reason.DEFAULT)
    off = with_value(flags[KILL], False, FlagSource.OVERRIDE)  # noqa: FBT003
    assert evaluate(off, EvaluationContext(key_id="k"), default=True).value is False


def test_declared_kill_switch_replaces_the_implicit_one() -> None:
    """A manifest entry for the kill switch wins; a variant kill switch is refused."""
    declared = {KILL: FlagSpec(kind=FlagKind.PERCENTAGE, default=50, description="shed half")}
    flag = from_specs(declared, [SERVICE])[KILL]
    assert (flag.kind, flag.description, flag.problem) == (FlagKind.PERCENTAGE, "shed half", None)
    bad = from_specs({KILL: FlagSpec(kind=FlagKind.VARIANT, default="on")}, [SERVICE])[KILL]
    result = evaluate(bad, EvaluationContext(), default=True)
    assert (result.value, result.error_code) == (True, ErrorCode.PARSE_ERROR)
    assert "kill switch" in (result.error_message or "")


def test_unknown_flag_and_type_mismatch_return_the_default() -> None:
    """FLAG_NOT_FOUND for no flag; TYPE_MISMATCH when the flag serves another type."""
    missing = evaluate(None, EvaluationContext(), 7)
    assert (missing.value, missing.reason, missing.error_code) == (
        7,
        Reason.ERROR,
        ErrorCode.FLAG_NOT_FOUND,
    )
    mismatch = evaluate(definitions()["model-choice"], EvaluationContext(), default=False)
    assert (mismatch.value, mismatch.error_code) == (False, ErrorCode.TYPE_MISMATCH)
    assert "str" in (mismatch.error_message or "")


def test_numbers_fit_float_defaults_but_not_booleans() -> None:
    """An integer variant serves a float default as a float; booleans never pass as numbers."""
    flag = build_flag("temperature", FlagKind.VARIANT, "cold", variants={"cold": 0, "hot": 1})
    result = evaluate(flag, EvaluationContext(), 0.5)
    assert result.value == 0.0 and isinstance(result.value, float)
    assert evaluate(flag, EvaluationContext(), 3).value == 0
    boolean = build_flag("b", FlagKind.BOOLEAN, default=True)
    assert evaluate(boolean, EvaluationContext(), 1).error_code is ErrorCode.TYPE_MISMATCH


@pytest.mark.parametrize(
    ("kind", "default", "rules", "message"),
    [
        (FlagKind.BOOLEAN, "maybe", [], "true or false"),
        (FlagKind.PERCENTAGE, 101, [], "0 to 100"),
        (FlagKind.VARIANT, "huge", [], "no variant 'huge'"),
        (FlagKind.BOOLEAN, False, [{"attribute": "country", "serve": True}], "attribute"),
        (
            FlagKind.BOOLEAN,
            False,
            [{"attribute": "user", "op": "eq", "values": ["a", "b"], "serve": True}],
            "exactly one",
        ),
        (FlagKind.BOOLEAN, False, [{"attribute": "user", "values": ["a"]}], "either"),
        (
            FlagKind.VARIANT,
            "small",
            [{"attribute": "user", "values": ["a"], "percentage": 5}],
            "not a percentage",
        ),
        (
            FlagKind.BOOLEAN,
            False,
            [{"attribute": "user", "values": ["a"], "serve": "yes"}],
            "rule 1",
        ),
    ],
)
def test_misconfigured_flags_answer_parse_error(
    kind: FlagKind, default: object, rules: list[dict[str, object]], message: str
) -> None:
    """A default or rule that does not fit the kind gives PARSE_ERROR and a message, not a guess."""
    flag = build_flag(
        "f",
        kind,
        default,
        variants={"small": 1} if kind is FlagKind.VARIANT else None,
        rules=[TargetingRule.model_validate(rule) for rule in rules],
    )
    result = evaluate(flag, EvaluationContext(user="a"), "fallback")
    assert (result.value, result.reason, result.error_code) == (
        "fallback",
        Reason.ERROR,
        ErrorCode.PARSE_ERROR,
    )
    assert message in (result.error_message or "")


def test_garbage_never_raises() -> None:
    """Objects that are not flags or contexts give GENERAL errors instead of exceptions."""
    flag = definitions()["new-prompt"]
    broken = [
        evaluate("not a flag", EvaluationContext(), default=True),  # type: ignore[arg-type]
        evaluate(flag, None, default=True),  # type: ignore[arg-type]
        evaluate(flag, EvaluationContext(headers=42), default=True),  # type: ignore[arg-type]
    ]
    for result in broken:
        assert (result.value, result.reason, result.error_code) == (
            True,
            Reason.ERROR,
            ErrorCode.GENERAL,
        )
