"""Session tokens and CSRF tokens: signed, time-limited, bound to one session."""

from __future__ import annotations

import base64
import secrets

import orjson
import pytest

from lockgate.dashboard.sessions import SessionCodec, SignedOut

NOW = 1_800_000_000.0


def codec(max_age: float = 600.0) -> SessionCodec:
    return SessionCodec(secrets.token_bytes(32), max_age=max_age)


def test_a_token_reads_back_its_key_id_and_issue_time() -> None:
    """Issuing then reading gives the key id and issue time, and nothing about a secret."""
    sessions = codec()
    token = sessions.issue("0123456789ab", NOW)
    data = sessions.read(token, NOW + 5)
    assert data is not None
    assert (data.key_id, data.issued_at) == ("0123456789ab", NOW)
    payload = orjson.loads(base64.urlsafe_b64decode(token.split(".")[0] + "=="))
    assert set(payload) == {"k", "i", "n"}


def test_each_token_has_its_own_nonce() -> None:
    """Two sign-ins of one key are two sessions."""
    sessions = codec()
    first = sessions.read(sessions.issue("k1", NOW), NOW)
    second = sessions.read(sessions.issue("k1", NOW), NOW)
    assert first is not None and second is not None
    assert first.nonce != second.nonce


def test_tokens_expire_after_max_age_and_are_not_valid_before_issue() -> None:
    """A token is valid from its issue time for max_age seconds only."""
    sessions = codec(max_age=60)
    token = sessions.issue("k1", NOW)
    assert sessions.read(token, NOW + 60) is not None
    assert sessions.read(token, NOW + 60.5) is None
    assert sessions.read(token, NOW - 1) is None


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: t.split(".")[0],
        lambda t: "." + t.split(".")[1],
        lambda t: "not base64!." + t.split(".")[1],
        lambda t: t[:0],
    ],
)
def test_tampered_or_truncated_tokens_are_refused(tamper: object) -> None:
    """A changed signature, a missing part or garbage reads as no session."""
    sessions = codec()
    token = sessions.issue("k1", NOW)
    assert callable(tamper)
    assert sessions.read(tamper(token), NOW) is None


def test_a_payload_re_signed_with_another_key_id_is_refused() -> None:
    """Swapping the key id in the payload breaks the signature."""
    sessions = codec()
    token = sessions.issue("victim", NOW)
    _, signature = token.split(".")
    forged = base64.urlsafe_b64encode(orjson.dumps({"k": "attacker", "i": NOW, "n": "00"}))
    assert sessions.read(forged.decode().rstrip("=") + "." + signature, NOW) is None


def test_another_dashboards_tokens_are_refused() -> None:
    """A token signed under another secret (another replica or a restart) is not valid here."""
    assert codec().read(codec().issue("k1", NOW), NOW) is None


def test_csrf_tokens_belong_to_one_session() -> None:
    """A session's CSRF token passes for it and fails for any other session."""
    sessions = codec()
    mine = sessions.read(sessions.issue("k1", NOW), NOW)
    other = sessions.read(sessions.issue("k1", NOW), NOW)
    assert mine is not None and other is not None
    assert sessions.csrf_ok(mine, sessions.csrf(mine))
    assert not sessions.csrf_ok(mine, sessions.csrf(other))
    assert not sessions.csrf_ok(mine, None)
    assert not sessions.csrf_ok(mine, "")


def test_short_secrets_and_non_positive_ages_are_refused() -> None:
    """A weak secret or a zero lifetime is a programming error, caught at construction."""
    with pytest.raises(ValueError, match="32 random bytes"):
        SessionCodec(b"short", max_age=60)
    with pytest.raises(ValueError, match="positive"):
        SessionCodec(secrets.token_bytes(32), max_age=0)


def test_signed_out_nonces_are_refused_until_they_would_expire() -> None:
    """A signed-out session stays refused until its own expiry, then is forgotten."""
    signed_out = SignedOut(limit=2)
    signed_out.add("a", until=NOW + 10, now=NOW)
    assert signed_out.refused("a", NOW + 9)
    assert not signed_out.refused("a", NOW + 10)
    assert not signed_out.refused("b", NOW)


def test_signed_out_list_stays_bounded() -> None:
    """Past its limit the list drops expired entries first, then the soonest to expire."""
    signed_out = SignedOut(limit=2)
    signed_out.add("old", until=NOW + 1, now=NOW)
    signed_out.add("live", until=NOW + 100, now=NOW)
    signed_out.add("new", until=NOW + 200, now=NOW + 5)  # "old" has expired: pruned
    assert signed_out.refused("live", NOW + 5) and signed_out.refused("new", NOW + 5)
    signed_out.add("newest", until=NOW + 300, now=NOW + 5)  # full of live ones: "live" goes
    assert not signed_out.refused("live", NOW + 5)
    assert signed_out.refused("new", NOW + 5) and signed_out.refused("newest", NOW + 5)
